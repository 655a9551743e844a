-- Tide schema, version 1. Owned by Flyway; Hibernate only validates it.
-- Names that users type (environments, applications, users) are the primary keys:
-- they are immutable and appear in every URL and message.

create table environment (
    name                  varchar(63)  primary key,
    description           varchar(500) not null default '',
    mode                  varchar(8)   not null check (mode in ('PUSH', 'PULL')),
    pull_interval_seconds integer      not null check (pull_interval_seconds between 1 and 86400),
    pull_jitter_seconds   integer      not null check (pull_jitter_seconds between 0 and 86400),
    watch_enabled         boolean      not null,
    push_max_parallel     integer      not null check (push_max_parallel between 1 and 100000),
    mode_changed_at       timestamptz  not null,
    created_at            timestamptz  not null,
    updated_at            timestamptz  not null,
    version               bigint       not null default 0
);

-- Every change of a node's desired state takes the next value: agents and the push
-- dispatcher compare generations, never payloads.
create sequence node_generation_seq;

create table node (
    id                 uuid         primary key,
    name               varchar(63)  not null,
    environment        varchar(63)  not null references environment (name),
    labels             jsonb        not null default '{}'::jsonb,
    push_endpoint      varchar(255),
    credential_hash    varchar(64)     not null unique,
    acked_mode         varchar(8)   check (acked_mode in ('PUSH', 'PULL')),
    agent_version      varchar(64),
    generation         bigint       not null default 0,
    applied_generation bigint       not null default 0,
    enrolled_at        timestamptz  not null,
    last_seen_at       timestamptz,
    unique (environment, name)
);
create index node_environment_idx on node (environment);

create table application (
    name        varchar(63)  primary key,
    description varchar(500) not null default '',
    created_at  timestamptz  not null,
    updated_at  timestamptz  not null,
    version     bigint       not null default 0
);

-- The dependency DAG: application depends on depends_on. Cycles are refused by the service.
create table application_dependency (
    application varchar(63) not null references application (name) on delete cascade,
    depends_on  varchar(63) not null references application (name),
    primary key (application, depends_on),
    check (application <> depends_on)
);

-- Content-addressed: the bytes live in the ArtifactStore under their sha256.
create table artifact (
    sha256     varchar(64)     primary key check (sha256 ~ '^[0-9a-f]{64}$'),
    size       bigint       not null check (size >= 0),
    media_type varchar(127) not null,
    created_by varchar(63)  not null,
    created_at timestamptz  not null
);

-- Immutable once created.
create table release (
    id              uuid         primary key,
    application     varchar(63)  not null references application (name),
    version         varchar(64)  not null,
    artifact_sha256 varchar(64)     not null references artifact (sha256),
    start_argv      jsonb        not null,
    env             jsonb        not null default '{}'::jsonb,
    config_files    jsonb        not null default '{}'::jsonb,
    health_check    jsonb,
    signature       text,
    created_by      varchar(63)  not null,
    created_at      timestamptz  not null,
    unique (application, version)
);

-- What each node should run, one row per application.
create table node_desired (
    node          uuid        not null references node (id) on delete cascade,
    application   varchar(63) not null references application (name),
    release_id    uuid        not null references release (id),
    generation    bigint      not null,
    deployment_id uuid,
    updated_at    timestamptz not null,
    primary key (node, application)
);

-- What each node reported it runs.
create table node_actual (
    node               uuid          not null references node (id) on delete cascade,
    application        varchar(63)   not null,
    release_id         uuid,
    release_version    varchar(64),
    state              varchar(16)   not null,
    message            varchar(2000) not null default '',
    applied_generation bigint        not null,
    reported_at        timestamptz   not null,
    primary key (node, application)
);

create table deployment (
    id          uuid          primary key,
    environment varchar(63)   not null references environment (name),
    strategy    jsonb         not null,
    selector    jsonb         not null default '{}'::jsonb,
    state       varchar(16)   not null,
    message     varchar(2000) not null default '',
    created_by  varchar(63)   not null,
    created_at  timestamptz   not null,
    started_at  timestamptz,
    finished_at timestamptz,
    updated_at  timestamptz   not null,
    version     bigint        not null default 0
);
create index deployment_environment_idx on deployment (environment, created_at desc);

-- The releases a deployment carries, in dependency order (position).
create table deployment_release (
    deployment_id uuid        not null references deployment (id) on delete cascade,
    position      integer     not null,
    application   varchar(63) not null references application (name),
    release_id    uuid        not null references release (id),
    primary key (deployment_id, position),
    unique (deployment_id, application)
);

-- One node x application of a deployment. The timestamps are the raw data for every
-- latency figure Tide shows. node_name is copied so history survives node removal.
create table deployment_target (
    id                  bigint generated always as identity primary key,
    deployment_id       uuid          not null references deployment (id) on delete cascade,
    node_id             uuid          not null,
    node_name           varchar(63)   not null,
    application         varchar(63)   not null,
    release_id          uuid          not null references release (id),
    previous_release_id uuid          references release (id),
    wave                integer       not null,
    state               varchar(16)   not null,
    generation          bigint,
    desired_at          timestamptz,
    delivered_at        timestamptz,
    applied_at          timestamptz,
    healthy_at          timestamptz,
    error               varchar(2000),
    updated_at          timestamptz   not null,
    unique (deployment_id, node_id, application)
);
create index deployment_target_node_idx on deployment_target (node_id, application);

create table audit_event (
    id      bigint generated always as identity primary key,
    at      timestamptz  not null,
    actor   varchar(63)  not null,
    action  varchar(63)  not null,
    subject varchar(255) not null,
    details jsonb        not null default '{}'::jsonb
);
create index audit_event_at_idx on audit_event (at desc, id desc);

create table app_user (
    name          varchar(63)  primary key,
    password_hash varchar(255) not null,
    role          varchar(16)  not null check (role in ('ADMIN', 'DEPLOYER', 'VIEWER')),
    enabled       boolean      not null default true,
    created_at    timestamptz  not null,
    updated_at    timestamptz  not null,
    version       bigint       not null default 0
);

-- Bearer tokens for the REST API. Only the SHA-256 of the token is stored; the token is
-- shown once, on creation. A token acts with its owner's role.
create table api_token (
    id           uuid         primary key,
    name         varchar(63)  not null,
    owner        varchar(63)  not null references app_user (name) on delete cascade,
    token_hash   varchar(64)     not null unique,
    created_at   timestamptz  not null,
    expires_at   timestamptz,
    last_used_at timestamptz,
    unique (owner, name)
);

-- Single-use, expiring tokens an agent exchanges for a node identity.
create table enrollment_token (
    id          uuid        primary key,
    environment varchar(63) not null references environment (name) on delete cascade,
    token_hash  varchar(64)    not null unique,
    description varchar(200) not null default '',
    created_by  varchar(63) not null,
    created_at  timestamptz not null,
    expires_at  timestamptz not null,
    used_at     timestamptz,
    used_by     uuid
);
create index enrollment_token_environment_idx on enrollment_token (environment);
