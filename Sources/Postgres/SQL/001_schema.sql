-- The tables of the system this replaces, created only where they do not exist yet.
-- news_urls is written by an upstream module: one row per discovered article URL.
create table if not exists news_urls (
    id uuid primary key default gen_random_uuid(),
    url text unique not null,
    title text,
    description text,
    publication_date timestamptz,
    source_name text,
    publisher text
);

-- Keyset paging in a stable total order: publication_date desc nulls last, id desc.
create index if not exists news_urls_publication_order on news_urls (publication_date desc nulls last, id desc);
create index if not exists news_urls_publisher on news_urls (publisher);

-- One row per summarized URL. Downstream readers use news_url_id, summary_text and created_at.
create table if not exists context_summaries (
    id uuid primary key default gen_random_uuid(),
    news_url_id uuid not null unique references news_urls (id) on delete cascade,
    summary_text text not null,
    llm_model text,
    fallback_used boolean default false,
    generated_at timestamptz default now(),
    created_at timestamptz,
    updated_at timestamptz
);

-- The structured fields, named like the record's keys (lists as jsonb).
alter table context_summaries
    add column if not exists summary text,
    add column if not exists key_points jsonb not null default '[]'::jsonb,
    add column if not exists players_mentioned jsonb not null default '[]'::jsonb,
    add column if not exists teams_mentioned jsonb not null default '[]'::jsonb,
    add column if not exists game_references jsonb not null default '[]'::jsonb,
    add column if not exists injury_updates text,
    add column if not exists article_type text,
    add column if not exists sentiment text,
    add column if not exists content_quality text,
    add column if not exists extra_fields jsonb not null default '{}'::jsonb,
    add column if not exists prompt_version text,
    add column if not exists content_hash text,
    add column if not exists extractor text,
    add column if not exists fetch_method text,
    add column if not exists retrieval_status text,
    add column if not exists input_truncated boolean not null default false,
    add column if not exists prompt_tokens integer not null default 0,
    add column if not exists output_tokens integer not null default 0,
    add column if not exists tool_use_tokens integer not null default 0,
    add column if not exists thoughts_tokens integer not null default 0,
    add column if not exists cached_tokens integer not null default 0,
    add column if not exists total_tokens integer not null default 0,
    add column if not exists cost_usd double precision,
    add column if not exists processing_time_seconds double precision;

alter table context_summaries alter column created_at set default now();
alter table context_summaries alter column updated_at set default now();

-- created_at is set once and never overwritten; updated_at changes on every write, whatever
-- the client sends (an upsert from PostgREST or SQL alike).
create or replace function context_summaries_timestamps() returns trigger
language plpgsql as $$
begin
    if tg_op = 'UPDATE' then
        new.created_at := old.created_at;
    else
        new.created_at := coalesce(new.created_at, now());
    end if;
    new.updated_at := now();
    return new;
end;
$$;

drop trigger if exists context_summaries_timestamps on context_summaries;
create trigger context_summaries_timestamps
    before insert or update on context_summaries
    for each row execute function context_summaries_timestamps();

-- Per news URL: how often summarizing failed, why, and when to try again; plus the lease of
-- the worker that claimed it. A URL that keeps failing is retried with growing delays across
-- runs and given up after max_item_attempts.
create table if not exists summarization_attempts (
    news_url_id uuid primary key references news_urls (id) on delete cascade,
    attempts integer not null default 0,
    last_error_kind text,
    last_error_message text,
    last_attempt_at timestamptz,
    next_attempt_at timestamptz,
    claimed_by text,
    lease_expires_at timestamptz
);

-- Hands out up to batch_size unsummarized, due rows to worker, each with a lease of
-- lease_seconds. Rows another transaction is claiming are skipped (for update skip locked); a
-- row whose lease has not expired is never handed out twice, because the lease is written with
-- a conditional upsert that re-reads the latest committed lease. A crashed worker's rows come
-- back once its lease expires. at lets tests move time.
create or replace function claim_news_urls(
    worker text,
    batch_size int,
    lease_seconds int,
    at timestamptz default now(),
    max_item_attempts int default 5
) returns setof news_urls
language plpgsql as $$
begin
    return query
    with candidates as (
        select n.id
        from news_urls n
        left join summarization_attempts a on a.news_url_id = n.id
        where not exists (select 1 from context_summaries s where s.news_url_id = n.id)
          and (a.news_url_id is null or (
                (a.lease_expires_at is null or a.lease_expires_at <= at)
            and (a.next_attempt_at is null or a.next_attempt_at <= at)
            and a.attempts < max_item_attempts))
        order by n.publication_date desc nulls last, n.id desc
        limit batch_size
        for update of n skip locked
    ), leased as (
        insert into summarization_attempts as a (news_url_id, claimed_by, lease_expires_at)
        select id, worker, at + make_interval(secs => lease_seconds) from candidates
        on conflict (news_url_id) do update
            set claimed_by = excluded.claimed_by, lease_expires_at = excluded.lease_expires_at
            where a.lease_expires_at is null or a.lease_expires_at <= at
        returning a.news_url_id
    )
    select n.* from news_urls n join leased l on l.news_url_id = n.id
    order by n.publication_date desc nulls last, n.id desc;
end;
$$;

-- Records a failed attempt: the count grows, the next attempt waits 2^attempts minutes (at most
-- a day), and the lease is released.
create or replace function record_summarization_failure(
    item uuid,
    error_kind text,
    error_message text,
    at timestamptz default now()
) returns void
language sql as $$
    insert into summarization_attempts as a (news_url_id, attempts, last_error_kind, last_error_message, last_attempt_at, next_attempt_at)
    values (item, 1, error_kind, error_message, at, at + interval '2 minutes')
    on conflict (news_url_id) do update set
        attempts = a.attempts + 1,
        last_error_kind = excluded.last_error_kind,
        last_error_message = excluded.last_error_message,
        last_attempt_at = excluded.last_attempt_at,
        next_attempt_at = at + least(interval '1 day', interval '1 minute' * power(2, a.attempts + 1)),
        claimed_by = null,
        lease_expires_at = null;
$$;
