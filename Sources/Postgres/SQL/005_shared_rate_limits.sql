-- Rate limits shared by every process: one token bucket per limiter name (`rateLimit` with
-- "scope": "database").
--
-- A bucket is a generic cell rate schedule. `tat` (theoretical arrival time) is when the bucket
-- would be full again; a reservation of n tokens moves it on by n intervals and may be used once
-- it is no more than `burst` intervals ahead, so in any window of length w the tokens reserved
-- by all processes together stay at or below rate × w + burst. Each reservation is one locked
-- update of one row, timed by the server's clock, so processes on different hosts agree.

create table if not exists summarizer_rate_limits (
    name text primary key,
    tat timestamptz not null,
    -- The rate now, per second; null means the configured one. Lowered on 429s when adaptive.
    rate_per_second double precision,
    -- When the rate last changed (a cut, or the last raise counted), for the additive raise.
    changed_at timestamptz not null,
    -- When a 429 last cut the rate, so one burst of 429s cuts it once.
    throttled_at timestamptz,
    -- Set when a worker met the backend's daily quota: every worker stops until then.
    exhausted_until timestamptz,
    exhausted_message text,
    -- When that was recorded.
    exhausted_at timestamptz,
    granted_total bigint not null default 0
);

-- Reserves up to p_tokens (at most p_burst) and says in how many seconds they may be used (and
-- when, by the server's clock: due_at); while an exhaustion is recorded, grants nothing and
-- returns it.
create or replace function take_rate_limit_tokens(
    p_name text,
    p_tokens integer,
    p_rate double precision,
    p_burst integer,
    p_adaptive boolean default false,
    p_minimum double precision default null,
    p_raise_seconds double precision default 60,
    p_raise double precision default null
) returns table (
    granted integer,
    wait_seconds double precision,
    rate_per_second double precision,
    exhausted_until timestamptz,
    exhausted_message text,
    schedule_end double precision,
    due_at timestamptz
)
language plpgsql as $$
declare
    v_now timestamptz := clock_timestamp();
    v_row summarizer_rate_limits%rowtype;
    v_rate double precision := p_rate;
    v_changed timestamptz;
    v_periods double precision;
    v_count integer := least(greatest(p_tokens, 1), p_burst);
    v_from timestamptz;
    v_grant timestamptz;
    v_tat timestamptz;
begin
    insert into summarizer_rate_limits as r (name, tat, changed_at) values (p_name, v_now, v_now)
    on conflict (name) do nothing;
    select * into v_row from summarizer_rate_limits r where r.name = p_name for update;
    if v_row.exhausted_until > v_now then
        return query select 0, 0::double precision, coalesce(v_row.rate_per_second, p_rate), v_row.exhausted_until, v_row.exhausted_message,
            extract(epoch from v_row.tat)::double precision, null::timestamptz;
        return;
    end if;
    v_changed := v_row.changed_at;
    if p_adaptive then
        v_rate := least(coalesce(v_row.rate_per_second, p_rate), p_rate);
        -- Each whole period without a 429 adds p_raise, up to the configured rate.
        v_periods := floor(extract(epoch from v_now - v_row.changed_at) / p_raise_seconds);
        if v_periods >= 1 and v_rate < p_rate then
            v_rate := least(p_rate, v_rate + v_periods * p_raise);
            v_changed := v_row.changed_at + make_interval(secs => v_periods * p_raise_seconds);
        end if;
        v_rate := greatest(v_rate, least(coalesce(p_minimum, v_rate), p_rate));
    end if;
    v_from := greatest(v_row.tat, v_now);
    v_grant := greatest(v_now, v_from + make_interval(secs => (v_count - p_burst) / v_rate));
    v_tat := v_from + make_interval(secs => v_count / v_rate);
    update summarizer_rate_limits r
    set tat = v_tat,
        rate_per_second = case when p_adaptive then v_rate end,
        changed_at = v_changed,
        granted_total = r.granted_total + v_count
    where r.name = p_name;
    return query select v_count, extract(epoch from v_grant - v_now)::double precision, v_rate, null::timestamptz, null::text,
        extract(epoch from v_tat)::double precision, v_grant;
end;
$$;

-- Gives back tokens a process reserved and nobody used, at the rate they were reserved at, if
-- no reservation came after theirs (p_schedule_end is where theirs left the schedule): moving the
-- schedule back under later reservations could let them and the next one exceed the bound.
create or replace function return_rate_limit_tokens(p_name text, p_tokens integer, p_rate double precision, p_schedule_end double precision)
returns boolean
language sql as $$
    update summarizer_rate_limits r
    set tat = greatest(clock_timestamp(), r.tat - make_interval(secs => p_tokens / p_rate)),
        granted_total = r.granted_total - p_tokens
    where r.name = p_name and extract(epoch from r.tat)::double precision = p_schedule_end
    returning true;
$$;

-- Multiplies an adaptive bucket's rate by p_factor (not below p_minimum) after a 429, unless a
-- 429 cut it less than p_cooldown_seconds ago; returns the new rate, or null when not cut.
create or replace function throttle_rate_limit(
    p_name text,
    p_rate double precision,
    p_factor double precision,
    p_minimum double precision,
    p_cooldown_seconds double precision
) returns double precision
language plpgsql as $$
declare
    v_now timestamptz := clock_timestamp();
    v_rate double precision;
begin
    insert into summarizer_rate_limits as r (name, tat, changed_at) values (p_name, v_now, v_now)
    on conflict (name) do nothing;
    update summarizer_rate_limits r
    set rate_per_second = greatest(least(p_minimum, p_rate), least(coalesce(r.rate_per_second, p_rate), p_rate) * p_factor),
        changed_at = v_now,
        throttled_at = v_now
    where r.name = p_name
      and (r.throttled_at is null or r.throttled_at <= v_now - make_interval(secs => p_cooldown_seconds))
    returning r.rate_per_second into v_rate;
    return v_rate;
end;
$$;

-- Records that the backend behind p_name refuses every call until p_until, and tells every
-- listening worker at once (LISTEN summarizer_rate_limits; the payload is the limiter's name).
create or replace function mark_rate_limit_exhausted(p_name text, p_until timestamptz, p_message text)
returns void
language plpgsql as $$
begin
    insert into summarizer_rate_limits as r (name, tat, changed_at, exhausted_until, exhausted_message, exhausted_at)
    values (p_name, clock_timestamp(), clock_timestamp(), p_until, p_message, clock_timestamp())
    on conflict (name) do update
    set exhausted_until = greatest(coalesce(r.exhausted_until, excluded.exhausted_until), excluded.exhausted_until),
        exhausted_message = excluded.exhausted_message,
        -- The first record of an outage stays: later workers only confirm it.
        exhausted_at = case when r.exhausted_until > clock_timestamp() then r.exhausted_at else excluded.exhausted_at end;
    perform pg_notify('summarizer_rate_limits', p_name);
end;
$$;
