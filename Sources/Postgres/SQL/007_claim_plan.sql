-- Keeps claim_news_urls on plans that cost O(batch) whatever the statistics say.
--
-- The claim walks the queue's claim-order index and, for each row, probes summarization_attempts
-- by key, stopping after batch_size rows. Written as NOT EXISTS, the probe became an anti-join
-- whose size the planner estimates from statistics, assuming every queued id also has an
-- attempts row. Once an analyze saw many attempts rows (autovacuum runs one while workers drain a
-- big backlog, each claim leaving an attempts row behind), it expected the anti-join to keep
-- almost nothing and switched to hashing all of summarization_attempts and sorting the whole
-- queue on every claim: measured at a million rows, claims fell from about 23,000 rows a second
-- to about 6,000 for the rest of the run. As a scalar subquery the probe is a filter of fixed
-- estimated selectivity, so the planner keeps walking the index in claim order and stops early;
-- and with statistics from when the tables were small, it would probe and delete by seq scan, so
-- the function allows index paths only. The contract is unchanged.

create or replace function claim_news_urls(
    worker text,
    batch_size int,
    lease_seconds int,
    at timestamptz default now(),
    max_item_attempts int default 5
) returns setof news_urls
language plpgsql
-- Index paths only, inside this function: every statement here reads a batch by key, and tables
-- that grow by thousands of rows a second between two analyzes make seq scans and hash joins
-- look cheap when they cost the whole table on every claim.
set enable_seqscan = off
set enable_hashjoin = off
set enable_mergejoin = off
as $$
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

    -- Written so the planner walks the claim-order index and stops after batch_size rows: a
    -- correlated probe of the attempts (a lease, a next try, too many failures) for each row,
    -- and no test of context_summaries, whose rows the triggers already keep out of the queue.
    return query
    with candidates as (
        select q.news_url_id as id
        from news_url_queue q
        where not q.given_up
          -- A scalar subquery, not NOT EXISTS: see the note at the top.
          and not coalesce((
              select true from summarization_attempts a
              where a.news_url_id = q.news_url_id
                and not ((a.lease_expires_at is null or a.lease_expires_at <= at)
                     and (a.next_attempt_at is null or a.next_attempt_at <= at)
                     and a.attempts < max_item_attempts)), false)
        order by q.publication_date desc nulls last, q.news_url_id desc
        limit batch_size
        for update of q skip locked
    ), taken as (
        delete from news_url_queue q using candidates c where q.news_url_id = c.id
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
