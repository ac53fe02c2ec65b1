-- Claims that stay O(batch) while a worker drains a large backlog.
--
-- Two costs of 007's claim grew with the queue's history rather than with the batch:
--
-- * It deleted its candidates by looking each id up again in the queue's primary key. Random
--   uuids spread a big queue's keys over the whole of that index, so at a million queued rows
--   each lookup read a page of its own (74 of the 200 pages a cold claim of 100 rows read). The
--   candidates are locked (for update), so their tuple ids hold until the delete, which now reads
--   exactly those tuples.
-- * Every claim walked the claim order from its head, past the index entries of every row
--   claimed since the queue's last vacuum (a claim deletes its rows; their entries stay until a
--   vacuum, and autovacuum visits at most once a minute). Draining a million rows, the walk grew
--   to thousands of dead entries a claim. A claim may now start where the caller's previous one
--   ended (resume_date, resume_id: the position of the last row it was handed) and walks from
--   the head only for what is left, when the rows after that position run out. Rows that join the
--   queue ahead of the position (new, released, failed, expired) are found by the next walk from
--   the head; the caller walks from the head at least once a second (the postgres source does),
--   so "newest first" holds to within that second. Without a position a claim is what it was.
--
-- The claim order moves to an index on coalesce(publication_date, '-infinity'), so that a
-- position is one row comparison the index can start at; it is the same order as
-- "publication_date desc nulls last".

create index if not exists news_url_queue_claim_position
    on news_url_queue ((coalesce(publication_date, '-infinity'::timestamptz)) desc, news_url_id desc)
    where not given_up;

drop index if exists news_url_queue_claim_order;

-- The function gains two arguments, so the old signature goes (callers that name only the first
-- five, such as PostgREST's /rpc/claim_news_urls, reach the new one unchanged).
drop function if exists claim_news_urls(text, integer, integer, timestamptz, integer);

create or replace function claim_news_urls(
    worker text,
    batch_size int,
    lease_seconds int,
    at timestamptz default now(),
    max_item_attempts int default 5,
    resume_date timestamptz default null,
    resume_id uuid default null
) returns setof news_urls
language plpgsql
-- Index paths only, inside this function: see 007_claim_plan.
set enable_seqscan = off
set enable_hashjoin = off
set enable_mergejoin = off
as $$
declare
    -- The queue tuples this claim locked, to be taken out of the queue and leased.
    chosen tid[] := '{}';
    -- Where the current walk starts: the caller's position, or the head.
    from_head boolean := resume_id is null;
    from_date timestamptz := case when resume_id is null then 'infinity' else coalesce(resume_date, '-infinity') end;
    from_id uuid := coalesce(resume_id, 'ffffffff-ffff-ffff-ffff-ffffffffffff');
begin
    -- Leases that ran out (a worker died or hung, or the row was summarized) give their rows
    -- back to the queue, at most batch_size of them a claim and taken in lease order, so the
    -- sweep reads the index of leases held and never the whole table, whatever its statistics.
    with expired as (
        update summarization_attempts a set claimed_by = null, lease_expires_at = null
        where a.news_url_id in (
            select e.news_url_id from summarization_attempts e
            where e.claimed_by is not null and e.lease_expires_at <= at
            order by e.lease_expires_at
            limit batch_size
            for update skip locked)
        returning a.news_url_id, a.attempts
    )
    insert into news_url_queue (news_url_id, publication_date, given_up)
    select e.news_url_id, n.publication_date, e.attempts >= max_item_attempts
    from expired e join news_urls n on n.id = e.news_url_id
    where not exists (select 1 from context_summaries s where s.news_url_id = e.news_url_id)
    on conflict (news_url_id) do nothing;

    -- One walk from the caller's position and, if the rows after it run out before the batch is
    -- full, one from the head for the rest. The head is the position after every row (no real
    -- row sorts after 'infinity' and the largest uuid), so both walks are the same statement: a
    -- row comparison the index starts at. The probe of the attempts (a lease, a next try, too
    -- many failures) is a scalar subquery: see 007.
    loop
        chosen := chosen || array(
            select q.ctid
            from news_url_queue q
            where not q.given_up
              and q.ctid <> all(chosen)
              and (coalesce(q.publication_date, '-infinity'::timestamptz), q.news_url_id) < (from_date, from_id)
              and not coalesce((
                  select true from summarization_attempts a
                  where a.news_url_id = q.news_url_id
                    and not ((a.lease_expires_at is null or a.lease_expires_at <= at)
                         and (a.next_attempt_at is null or a.next_attempt_at <= at)
                         and a.attempts < max_item_attempts)), false)
            order by coalesce(q.publication_date, '-infinity'::timestamptz) desc, q.news_url_id desc
            limit batch_size - cardinality(chosen)
            for update of q skip locked);
        exit when from_head or cardinality(chosen) >= batch_size;
        from_head := true;
        from_date := 'infinity';
        from_id := 'ffffffff-ffff-ffff-ffff-ffffffffffff';
    end loop;

    return query
    with taken as (
        delete from news_url_queue q where q.ctid = any(chosen)
        returning q.news_url_id
    ), leased as (
        insert into summarization_attempts as a (news_url_id, claimed_by, lease_expires_at)
        select news_url_id, worker, at + make_interval(secs => lease_seconds) from taken
        on conflict (news_url_id) do update
            set claimed_by = excluded.claimed_by, lease_expires_at = excluded.lease_expires_at
            where a.lease_expires_at is null or a.lease_expires_at <= at
        returning a.news_url_id
    )
    select n.* from news_urls n join leased l on l.news_url_id = n.id
    order by n.publication_date desc nulls last, n.id desc;
end;
$$;

-- A PostgREST in front of this database (Supabase's reloads by itself) learns of the new
-- signature at once rather than at its next schema reload; nobody listening makes this a no-op.
notify pgrst, 'reload schema';
