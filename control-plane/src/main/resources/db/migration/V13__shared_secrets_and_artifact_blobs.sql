-- What every control-plane replica must share lives in the database, not in one replica's files.
-- shared_secret: the agent CA (certificate and key, PEM) when the operator gives no CA files.
create table shared_secret (
    name varchar(64) primary key,
    value text not null,
    created_at timestamptz not null default now()
);

-- Artifact bytes when tide.artifacts.store=database: 1 MiB chunks of each artifact by its sha256.
-- Each replica keeps a local read-through copy; these rows are the one source every replica shares.
create table artifact_blob (
    sha256 varchar(64) not null,
    chunk integer not null,
    data bytea not null,
    primary key (sha256, chunk)
);
