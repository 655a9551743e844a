-- Several control-plane replicas on one database: exactly one dials each push node.
-- Each replica writes a heartbeat row every renewal round, so replicas know how many are alive
-- and each claims its fair share of push nodes: ceil(push nodes / live replicas).
create table control_plane_replica (
    id           varchar(128) primary key,
    started_at   timestamptz  not null,
    heartbeat_at timestamptz  not null
);

-- A replica dials a node only while it holds the node's lease. Expiry is the database's clock,
-- so replicas' clocks do not have to agree. A lease taken (first time, or after it expired or
-- was released) gets a new epoch from one sequence: epochs only grow, per node and overall, even
-- across a node's removal, and the agent refuses anything from an epoch below the highest it saw.
create sequence push_lease_epoch;

create table push_lease (
    node_id    uuid         primary key references node (id) on delete cascade,
    owner      varchar(128) not null,
    epoch      bigint       not null,
    expires_at timestamptz  not null
);
create index push_lease_owner_idx on push_lease (owner);
