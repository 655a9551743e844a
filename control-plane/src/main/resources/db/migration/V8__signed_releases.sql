-- Signed releases (tide.release/v1 manifests, Ed25519) and the release keys each environment trusts.

-- The old free-text signature was never verified: any string showed as "signed". Its values
-- cannot be checked now (nothing says what they signed or with which key), so they are dropped
-- rather than carried as a column that looks meaningful. Those releases become unsigned.
alter table release drop column signature;

-- A release's signature, verified against a trusted key when the release was created. The
-- dependencies are those the application had then: they are part of what was signed, and agents
-- check the dependencies they are given against them.
alter table release
    add column signature_key_id    varchar(43),
    add column signature_value     bytea,
    add column signature_issued_at timestamptz,
    add column signed_depends_on   jsonb,
    add constraint release_signature_complete check (
        (signature_key_id is null and signature_value is null and signature_issued_at is null
            and signed_depends_on is null)
        or (signature_key_id is not null and signature_value is not null and signature_issued_at is not null
            and signed_depends_on is not null));

-- Every version of each environment's release key set (tide.release-keys/v1) as it was signed.
-- The current set is the highest version; older ones stay as the record of each rotation. A set
-- goes with its environment.
create table release_key_set (
    environment        varchar(63) not null references environment (name) on delete cascade,
    version            bigint      not null check (version >= 1),
    require_signatures boolean     not null,
    -- [{id, name, publicKey (base64 of the X.509 DER)}], sorted by id
    keys               jsonb       not null,
    issued_at          timestamptz not null,
    signed_by          varchar(43) not null,
    signature          bytea       not null,
    created_by         varchar(63) not null,
    created_at         timestamptz not null,
    primary key (environment, version)
);
