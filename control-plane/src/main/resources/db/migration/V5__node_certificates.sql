-- Nodes authenticate with certificates (mutual TLS) instead of bearer credentials. A node keeps
-- the SHA-256 of its current public key and the token it enrolled with, so a retried enrollment
-- (same token, name and key) is recognised instead of failing or making a second node.
-- Nodes enrolled before this version have no certificate: they must enroll again.
alter table node drop column credential_hash;
alter table node add column public_key_sha256 varchar(43);
alter table node add column enrollment_token_id uuid;
alter table node add column certificate_expires_at timestamptz;
