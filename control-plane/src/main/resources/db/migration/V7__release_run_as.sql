-- The user a node runs a release's processes as (its start command and command health check).
-- Null: as the agent itself. A POSIX login name, checked by the API and again by the agent, which
-- refuses it unless it runs as root.
alter table release
    add column run_as varchar(32);
