-- Failed password sign-ins, counted once for all replicas (security/LoginThrottle): one row per
-- key, 'user/{name}' or 'address/{ip}', written by one upsert per failed password whose row lock
-- orders concurrent failures on any replica. A key is locked while locked_until is ahead; its row
-- is forgotten (and purged by security/SignInCleanup) once forget_at has passed, a whole failure
-- window after its last failure and its lock.
create table login_throttle (
    key          varchar(200) primary key,
    failures     integer      not null check (failures >= 0),
    window_start timestamptz  not null,
    locked_until timestamptz  not null,
    lockouts     integer      not null check (lockouts >= 0),
    forget_at    timestamptz  not null
);
create index login_throttle_forget_idx on login_throttle (forget_at);
