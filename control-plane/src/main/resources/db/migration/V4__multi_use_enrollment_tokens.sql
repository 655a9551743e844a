-- Multi-use enrollment tokens: a fleet or an autoscaling group enrolls many agents with one
-- token. A token admits nodes while uses < max_uses, it has not expired and it is not revoked.
-- Redemption is one conditional "update ... set uses = uses + 1 ... returning" by primary key,
-- so concurrent agents never overshoot max_uses. used_at / used_by now mean the last use.
-- Revoking keeps the row (status REVOKED) so its uses stay visible; it used to delete it.
alter table enrollment_token
    add column max_uses   integer     not null default 1,
    add column uses       integer     not null default 0,
    add column revoked_at timestamptz,
    add column revoked_by varchar(63);

-- Tokens used before this migration were single-use and are used up.
update enrollment_token set uses = 1 where used_at is not null;

alter table enrollment_token
    add constraint enrollment_token_uses_check check (max_uses >= 1 and uses >= 0 and uses <= max_uses);
