-- Upserts need a unique key on context_summaries.news_url_id. A table created by the original
-- project's later schema has only a plain index there: the constraint is added when no id has
-- two rows, and otherwise the migration stops, saying how many ids do and how to resolve them.
do $$
declare
    duplicated bigint;
begin
    if exists (
        select 1
        from pg_index i
        join pg_attribute a on a.attrelid = i.indrelid and a.attnum = i.indkey[0]
        where i.indrelid = 'context_summaries'::regclass
          and i.indisunique and i.indnkeyatts = 1 and i.indpred is null and a.attname = 'news_url_id'
    ) then
        return;
    end if;
    select count(*) into duplicated
    from (select news_url_id from context_summaries group by news_url_id having count(*) > 1) d;
    if duplicated > 0 then
        raise exception using
            errcode = '23505',
            message = format(
                'context_summaries has %s news_url_id values with more than one row, so the unique constraint on news_url_id '
                || 'that upserts need cannot be added; keep the newest row of each and migrate again: '
                || 'delete from context_summaries c using context_summaries d where c.news_url_id = d.news_url_id and '
                || '(coalesce(c.updated_at, c.generated_at, ''-infinity''), c.id) < (coalesce(d.updated_at, d.generated_at, ''-infinity''), d.id);',
                duplicated);
    end if;
    alter table context_summaries add constraint context_summaries_news_url_id_key unique (news_url_id);
end;
$$;

-- Leases a run did not finish go back when it ends (a stop, a limit, a deadline, an error)
-- instead of after lease_seconds; returns how many it released. Rows finished need no lease.
create or replace function release_news_url_claims(worker text) returns integer
language sql as $$
    with released as (
        update summarization_attempts set claimed_by = null, lease_expires_at = null
        where claimed_by = worker and lease_expires_at > now()
        returning 1
    )
    select count(*)::integer from released;
$$;

-- --publisher matches trimmed and case-insensitively in every source.
create index if not exists news_urls_publisher_folded on news_urls (lower(btrim(publisher)));
