-- Cheaper writes of context_summaries, for sinks that store thousands of rows a second.

-- lz4 compresses the wide text columns several times faster than the default pglz. A server
-- without lz4 support (or older than PostgreSQL 14) keeps pglz: the statement runs dynamically
-- so that its error can be caught here instead of failing the migration.
do $$
begin
    execute 'alter table context_summaries alter column summary_text set compression lz4, alter column summary set compression lz4';
exception when others then
    raise notice 'lz4 compression is not available, keeping the default: %', sqlerrm;
end;
$$;

-- Inserts take created_at and updated_at from their defaults, so only updates need the
-- trigger, which keeps created_at and moves updated_at whatever the client sends.
drop trigger if exists context_summaries_timestamps on context_summaries;
create trigger context_summaries_timestamps
    before update on context_summaries
    for each row execute function context_summaries_timestamps();
