-- Claims that cost O(batch) however long the table grows.
--
-- claim_news_urls used to walk news_urls in claim order and test each row for a summary and a
-- lease, so every claim walked every summarized row, and every row other workers held, before
-- the first candidate: its cost grew with the table's history. Now a queue holds one row per
-- news URL without a summary that nobody holds, kept by triggers (a new news URL joins it, a
-- stored summary takes it out, a deleted summary puts it back) and by the claim functions (a
-- claim takes rows out; a release, a failure or an expired lease puts them back), and a claim
-- walks the queue's claim-order index only.

create table if not exists news_url_queue (
    news_url_id uuid primary key references news_urls (id) on delete cascade,
    -- A copy of news_urls.publication_date, for the claim order.
    publication_date timestamptz,
    -- Set once the row failed max_item_attempts times: it stays out of the claim order.
    given_up boolean not null default false
);

-- The queue churns (every claim and every summary deletes a row), and a claim's walk in claim
-- order passes over the index entries of deleted rows until a vacuum removes them: vacuum it
-- after every few thousand deletes rather than after a fifth of the table.
alter table news_url_queue set (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 5000, autovacuum_vacuum_cost_delay = 0);

-- The claim order over the rows that may still be handed out.
create index if not exists news_url_queue_claim_order on news_url_queue (publication_date desc nulls last, news_url_id desc)
    where not given_up;

-- Existing rows: every news URL without a summary. Rows that failed 5 times (the default
-- run.maxItemAttempts) are given up on; docs/databases.md says how to hand them out again
-- under a higher limit.
insert into news_url_queue (news_url_id, publication_date, given_up)
select n.id, n.publication_date, coalesce(a.attempts >= 5, false)
from news_urls n
left join summarization_attempts a on a.news_url_id = n.id
where not exists (select 1 from context_summaries s where s.news_url_id = n.id)
on conflict (news_url_id) do nothing;

-- Statement-level triggers with transition tables: a bulk insert of a million news URLs or an
-- upsert of a batch of summaries costs one statement on the queue, not one per row.
create or replace function news_url_queue_add_news_urls() returns trigger
language plpgsql as $$
begin
    insert into news_url_queue (news_url_id, publication_date)
    select i.id, i.publication_date from inserted i
    on conflict (news_url_id) do nothing;
    -- Wakes the workers waiting for new rows (LISTEN news_urls_inserted), once per statement.
    perform pg_notify('news_urls_inserted', '');
    return null;
end;
$$;

drop trigger if exists news_url_queue_add_news_urls on news_urls;
create trigger news_url_queue_add_news_urls
    after insert on news_urls
    referencing new table as inserted
    for each statement execute function news_url_queue_add_news_urls();

create or replace function news_url_queue_follow_dates() returns trigger
language plpgsql as $$
begin
    update news_url_queue q set publication_date = u.publication_date
    from updated u
    where q.news_url_id = u.id and q.publication_date is distinct from u.publication_date;
    return null;
end;
$$;

drop trigger if exists news_url_queue_follow_dates on news_urls;
create trigger news_url_queue_follow_dates
    after update on news_urls
    referencing new table as updated
    for each statement execute function news_url_queue_follow_dates();

create or replace function news_url_queue_remove_summarized() returns trigger
language plpgsql as $$
begin
    delete from news_url_queue q using inserted i where q.news_url_id = i.news_url_id;
    return null;
end;
$$;

drop trigger if exists news_url_queue_remove_summarized on context_summaries;
create trigger news_url_queue_remove_summarized
    after insert on context_summaries
    referencing new table as inserted
    for each statement execute function news_url_queue_remove_summarized();

create or replace function news_url_queue_restore_unsummarized() returns trigger
language plpgsql as $$
begin
    insert into news_url_queue (news_url_id, publication_date)
    select n.id, n.publication_date from deleted d join news_urls n on n.id = d.news_url_id
    where not exists (select 1 from context_summaries s where s.news_url_id = n.id)
    on conflict (news_url_id) do nothing;
    return null;
end;
$$;

drop trigger if exists news_url_queue_restore_unsummarized on context_summaries;
create trigger news_url_queue_restore_unsummarized
    after delete on context_summaries
    referencing old table as deleted
    for each statement execute function news_url_queue_restore_unsummarized();

-- TRUNCATE fires no delete trigger: emptying the summaries puts every news URL back, and
-- emptying the attempts (leases and failure counts with them) puts back the rows that were
-- claimed and forgets which were given up on.
create or replace function news_url_queue_refill() returns trigger
language plpgsql as $$
begin
    insert into news_url_queue as q (news_url_id, publication_date)
    select n.id, n.publication_date from news_urls n
    where not exists (select 1 from context_summaries s where s.news_url_id = n.id)
    on conflict (news_url_id) do update set given_up = q.given_up and tg_table_name <> 'summarization_attempts';
    return null;
end;
$$;

drop trigger if exists news_url_queue_refill on context_summaries;
create trigger news_url_queue_refill after truncate on context_summaries
    for each statement execute function news_url_queue_refill();
drop trigger if exists news_url_queue_refill on summarization_attempts;
create trigger news_url_queue_refill after truncate on summarization_attempts
    for each statement execute function news_url_queue_refill();

-- The same contract as before (due, unsummarized rows, newest first, never two leases at
-- once, a crashed worker's rows back after the lease), over the queue. A claimed row leaves the
-- queue, so the walk meets only rows to do (and those waiting for their next try), never the
-- summarized history nor the rows other workers hold; it comes back when its lease is released,
-- when it fails, or when its lease expires (each claim first returns the expired leases, found
-- through a partial index of the leases held).
create index if not exists summarization_attempts_leases on summarization_attempts (lease_expires_at)
    where claimed_by is not null;

create or replace function claim_news_urls(
    worker text,
    batch_size int,
    lease_seconds int,
    at timestamptz default now(),
    max_item_attempts int default 5
) returns setof news_urls
language plpgsql as $$
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
    -- correlated anti-join on the attempts (a lease, a next try, too many failures), and no
    -- test of context_summaries, whose rows the triggers already keep out of the queue.
    return query
    with candidates as (
        select q.news_url_id as id
        from news_url_queue q
        where not q.given_up
          and not exists (
              select 1 from summarization_attempts a
              where a.news_url_id = q.news_url_id
                and not ((a.lease_expires_at is null or a.lease_expires_at <= at)
                     and (a.next_attempt_at is null or a.next_attempt_at <= at)
                     and a.attempts < max_item_attempts))
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

-- Leases a run did not finish go back to the queue when it ends, instead of after
-- lease_seconds; returns how many it released.
create or replace function release_news_url_claims(worker text) returns integer
language sql as $$
    with released as (
        update summarization_attempts set claimed_by = null, lease_expires_at = null
        where claimed_by = worker and lease_expires_at > now()
        returning news_url_id
    ), requeued as (
        insert into news_url_queue (news_url_id, publication_date)
        select r.news_url_id, n.publication_date from released r join news_urls n on n.id = r.news_url_id
        where not exists (select 1 from context_summaries s where s.news_url_id = r.news_url_id)
        on conflict (news_url_id) do nothing
        returning 1
    )
    select count(*)::integer from released;
$$;

-- A failure puts a claimed row back in the queue, due at its next try; the failure that
-- reaches max_item_attempts (the source passes its run.maxItemAttempts) gives it up for good,
-- out of the claim order. Without the argument the row is only delayed, as before.
drop function if exists record_summarization_failure(uuid, text, text, timestamptz);
create or replace function record_summarization_failure(
    item uuid,
    error_kind text,
    error_message text,
    at timestamptz default now(),
    max_item_attempts int default null
) returns void
language sql as $$
    with counted as (
        insert into summarization_attempts as a (news_url_id, attempts, last_error_kind, last_error_message, last_attempt_at, next_attempt_at)
        values (item, 1, error_kind, error_message, at, at + interval '2 minutes')
        on conflict (news_url_id) do update set
            attempts = a.attempts + 1,
            last_error_kind = excluded.last_error_kind,
            last_error_message = excluded.last_error_message,
            last_attempt_at = excluded.last_attempt_at,
            next_attempt_at = at + least(interval '1 day', interval '1 minute' * power(2, a.attempts + 1)),
            claimed_by = null,
            lease_expires_at = null
        returning a.attempts
    )
    insert into news_url_queue as q (news_url_id, publication_date, given_up)
    select n.id, n.publication_date, max_item_attempts is not null and c.attempts >= max_item_attempts
    from counted c join news_urls n on n.id = item
    where not exists (select 1 from context_summaries s where s.news_url_id = item)
    on conflict (news_url_id) do update set given_up = q.given_up or excluded.given_up;
$$;

-- A claiming worker renews the leases of the rows it still works on (a heartbeat), so a short
-- lease_seconds loses no row to a slow LLM call while a dead worker's rows still come back
-- soon. Only unexpired leases of unsummarized rows are renewed: an expired one may already be
-- another worker's. Returns how many it renewed.
create or replace function renew_news_url_claims(worker text, lease_seconds int) returns integer
language sql as $$
    with renewed as (
        update summarization_attempts a set lease_expires_at = now() + make_interval(secs => lease_seconds)
        where a.claimed_by = worker and a.lease_expires_at > now()
          and not exists (select 1 from context_summaries s where s.news_url_id = a.news_url_id)
        returning 1
    )
    select count(*)::integer from renewed;
$$;
