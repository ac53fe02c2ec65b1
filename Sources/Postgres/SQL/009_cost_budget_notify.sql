-- Tells every listening process at once when a shared cost budget is recorded as spent
-- (LISTEN summarizer_cost_budgets; the payload is the budget's name), as 005 does for a spent
-- quota: a worker waiting for rows then stops with the others instead of at its next call.
-- Only the update that records a refusal notifies, not every reservation.

create or replace function summarizer_cost_budgets_notify_refusal() returns trigger
language plpgsql as $$
begin
    perform pg_notify('summarizer_cost_budgets', new.name);
    return null;
end;
$$;

drop trigger if exists summarizer_cost_budgets_notify_refusal on summarizer_cost_budgets;
create trigger summarizer_cost_budgets_notify_refusal
    after update on summarizer_cost_budgets
    for each row
    when (new.exhausted_message is not null and new.exhausted_at is distinct from old.exhausted_at)
    execute function summarizer_cost_budgets_notify_refusal();
