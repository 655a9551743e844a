-- Console sign-in sessions, shared by every control-plane replica (Spring Session JDBC), so that a
-- console user signed in through one replica is served by any other: the session, its CSRF token
-- and its flash messages are read from here on each request. The schema is the PostgreSQL one that
-- spring-session-jdbc 4.1.0 ships (org/springframework/session/jdbc/schema-postgresql.sql);
-- spring.session.jdbc.initialize-schema=never leaves it to Flyway. Times are epoch milliseconds.
-- Expired rows are deleted by security/SignInCleanup; an attribute row goes with its session.
create table spring_session (
    primary_id            char(36)     not null,
    session_id            char(36)     not null,
    creation_time         bigint       not null,
    last_access_time      bigint       not null,
    max_inactive_interval int          not null,
    expiry_time           bigint       not null,
    principal_name        varchar(100),
    constraint spring_session_pk primary key (primary_id)
);

create unique index spring_session_ix1 on spring_session (session_id);
create index spring_session_ix2 on spring_session (expiry_time);
create index spring_session_ix3 on spring_session (principal_name);

create table spring_session_attributes (
    session_primary_id char(36)     not null,
    attribute_name     varchar(200) not null,
    attribute_bytes    bytea        not null,
    constraint spring_session_attributes_pk primary key (session_primary_id, attribute_name),
    constraint spring_session_attributes_fk foreign key (session_primary_id)
        references spring_session (primary_id) on delete cascade
);
