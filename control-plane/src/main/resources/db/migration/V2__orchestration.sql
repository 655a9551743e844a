-- Orchestration: dependency stages, pauses between waves, rollback tracking and the
-- per-deployment event journal behind the event stream and the console timeline.

-- Applications of one deployment roll stage by stage: an application's stage is one more
-- than the highest stage of the applications it depends on within the deployment.
alter table deployment_release add column stage integer not null default 0;
update deployment_release set stage = position;

alter table deployment_target add column stage integer not null default 0;
update deployment_target t set stage = r.stage
  from deployment_release r
 where r.deployment_id = t.deployment_id and r.application = t.application;

-- Rollback puts the previous release back with a generation of its own.
alter table deployment_target add column rollback_generation bigint;
alter table deployment_target add column rolled_back_at timestamptz;

-- The next wave is not released before this time (strategy.pauseSeconds).
alter table deployment add column next_step_at timestamptz;

create index deployment_state_idx on deployment (state);
create index deployment_target_deployment_idx on deployment_target (deployment_id, stage, wave);

create table deployment_event (
    id            bigint generated always as identity primary key,
    deployment_id uuid          not null references deployment (id) on delete cascade,
    at            timestamptz   not null,
    type          varchar(32)   not null,
    node_name     varchar(63),
    application   varchar(63),
    stage         integer,
    wave          integer,
    message       varchar(2000) not null default ''
);
create index deployment_event_deployment_idx on deployment_event (deployment_id, id);
