-- What the agent reports beside the release it shows (the target of an apply when there is one):
-- the release whose process actually runs, and the last event about the running application
-- that no deployment waits for (RESTARTED, APP_STOPPED, DRIFTED). Written by the same upsert as
-- the rest of the row, so the status path gains no statement.
alter table node_actual
    add column running_release_id uuid,
    add column running_version    varchar(64),
    add column last_event         varchar(16),
    add column last_event_at      timestamptz,
    add column last_event_message varchar(2000);
