-- Write-only environment values of a release (passwords, keys): delivered to agents, never
-- returned by the API or the console. Names never overlap with the release's plain env.
alter table release add column secret_env jsonb not null default '{}'::jsonb;
