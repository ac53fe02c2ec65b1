-- Cost budgets shared by every process that names them (the config's `costBudget` section):
-- the USD spent on LLM calls per budget name and period, and the worst cases of calls in flight.
--
-- A call reserves its worst case before it is sent (`reserve_cost_budget`, one statement that
-- locks the budget's row) and settles it to what it really cost when the answer comes
-- (`settle_cost_budget`). Spent plus reserved never exceeds the limit, across all processes.
-- A reservation its process never settled (the process died, or lost the database) expires and
-- counts as spent at its worst case: the call may have been billed, and a budget errs on the side
-- of the limit.

create table if not exists summarizer_cost_budgets (
    name text primary key,
    -- The start of the period `spent_usd` counts (1970 for a budget without periods).
    period_start timestamptz not null,
    spent_usd double precision not null default 0,
    -- Set when a call did not fit: the budget stays spent for every process while the
    -- configured limit is no higher than this, until the period ends.
    exhausted_limit_usd double precision,
    exhausted_message text,
    exhausted_at timestamptz,
    reservations_total bigint not null default 0
);

create table if not exists summarizer_cost_reservations (
    id bigint generated always as identity primary key,
    name text not null,
    period_start timestamptz not null,
    amount_usd double precision not null,
    expires_at timestamptz not null
);

create index if not exists summarizer_cost_reservations_by_name on summarizer_cost_reservations (name, expires_at);

-- The period of p_period ('day', 'month' or 'total') holding p_at in the time zone p_time_zone:
-- its start and end (the end is null for 'total').
create or replace function cost_budget_period(p_period text, p_time_zone text, p_at timestamptz)
returns table (period_start timestamptz, period_end timestamptz)
language plpgsql stable as $$
declare
    v_local timestamp := p_at at time zone p_time_zone;
    v_start timestamp;
begin
    if p_period = 'total' then
        return query select 'epoch'::timestamptz, null::timestamptz;
        return;
    end if;
    if p_period not in ('day', 'month') then
        raise exception 'unknown cost budget period %', p_period using errcode = '22023';
    end if;
    v_start := date_trunc(p_period, v_local);
    -- Local midnights converted back, so a day with a daylight-saving change has 23 or 25 hours.
    return query select v_start at time zone p_time_zone,
        (v_start + case p_period when 'day' then interval '1 day' else interval '1 month' end) at time zone p_time_zone;
end;
$$;

-- Reserves p_amount USD of the budget p_name (limit p_limit a period) for p_ttl_seconds.
-- Returns the reservation's id; or a null id and the message every process stops with when the
-- amount does not fit even with no call in flight (the first refusal of a period is recorded, and
-- later ones repeat it); or a null id and no message when it fits only once calls in flight settle.
create or replace function reserve_cost_budget(
    p_name text,
    p_amount double precision,
    p_limit double precision,
    p_period text,
    p_time_zone text,
    p_ttl_seconds double precision
) returns table (
    reservation_id bigint,
    spent_usd double precision,
    reserved_usd double precision,
    period_end timestamptz,
    refused_message text
)
language plpgsql as $$
declare
    v_now timestamptz := clock_timestamp();
    v_start timestamptz;
    v_end timestamptz;
    v_row summarizer_cost_budgets%rowtype;
    v_expired double precision;
    v_reserved double precision;
    v_id bigint;
    v_message text;
begin
    select p.period_start, p.period_end into v_start, v_end from cost_budget_period(p_period, p_time_zone, v_now) p;
    insert into summarizer_cost_budgets as b (name, period_start) values (p_name, v_start)
    on conflict (name) do nothing;
    select * into v_row from summarizer_cost_budgets b where b.name = p_name for update;
    if v_row.period_start <> v_start then
        -- A new period (or another period setting): nothing is spent in it yet.
        v_row.period_start := v_start;
        v_row.spent_usd := 0;
        v_row.exhausted_limit_usd := null;
        v_row.exhausted_message := null;
        v_row.exhausted_at := null;
    end if;
    -- Reservations nobody settled in time count as spent at their worst case.
    with expired as (
        delete from summarizer_cost_reservations r
        where r.name = p_name and r.expires_at <= v_now
        returning r.amount_usd, r.period_start
    )
    select coalesce(sum(e.amount_usd) filter (where e.period_start = v_start), 0) into v_expired from expired e;
    v_row.spent_usd := v_row.spent_usd + v_expired;
    select coalesce(sum(r.amount_usd), 0) into v_reserved from summarizer_cost_reservations r where r.name = p_name;

    if v_row.exhausted_limit_usd is not null and p_limit <= v_row.exhausted_limit_usd then
        v_message := v_row.exhausted_message;
    elsif v_row.spent_usd + p_amount <= p_limit and v_row.spent_usd + v_reserved + p_amount > p_limit then
        -- It fits once calls in flight settle (they cost less than their worst cases): neither
        -- granted nor refused, and the caller asks again.
        null;
    elsif v_row.spent_usd + v_reserved + p_amount > p_limit then
        v_message := format(
            'the shared cost budget "%s" (%s %s) is spent: %s spent, %s held by calls in flight, and a call needing up to %s does not fit',
            p_name,
            '$' || to_char(p_limit, 'FM999999990.0000'),
            case p_period when 'day' then 'a day' when 'month' then 'a month' else 'in all' end,
            '$' || to_char(v_row.spent_usd, 'FM999999990.0000'),
            '$' || to_char(v_reserved, 'FM999999990.0000'),
            '$' || to_char(p_amount, 'FM999999990.0000')
        );
        v_row.exhausted_limit_usd := p_limit;
        v_row.exhausted_message := v_message;
        v_row.exhausted_at := v_now;
    else
        insert into summarizer_cost_reservations (name, period_start, amount_usd, expires_at)
        values (p_name, v_start, p_amount, v_now + make_interval(secs => p_ttl_seconds))
        returning id into v_id;
        v_row.reservations_total := v_row.reservations_total + 1;
        v_reserved := v_reserved + p_amount;
    end if;
    update summarizer_cost_budgets b
    set period_start = v_row.period_start,
        spent_usd = v_row.spent_usd,
        exhausted_limit_usd = v_row.exhausted_limit_usd,
        exhausted_message = v_row.exhausted_message,
        exhausted_at = v_row.exhausted_at,
        reservations_total = v_row.reservations_total
    where b.name = p_name;
    return query select v_id, v_row.spent_usd, v_reserved, v_end, v_message;
end;
$$;

-- Replaces the reservation p_id by what the call cost. False when it is gone (it expired and was
-- counted at its worst case, or was settled already), so settling twice never counts twice.
create or replace function settle_cost_budget(p_id bigint, p_actual double precision)
returns boolean
language plpgsql as $$
declare
    v_name text;
    v_start timestamptz;
begin
    select r.name into v_name from summarizer_cost_reservations r where r.id = p_id;
    if v_name is null then
        return false;
    end if;
    -- The budget's row first, as reserve_cost_budget locks them, so the two cannot deadlock.
    perform 1 from summarizer_cost_budgets b where b.name = v_name for update;
    delete from summarizer_cost_reservations r where r.id = p_id returning r.period_start into v_start;
    if v_start is null then
        return false;
    end if;
    update summarizer_cost_budgets b set spent_usd = b.spent_usd + p_actual
    where b.name = v_name and b.period_start = v_start;
    return true;
end;
$$;
