-- Missions.Grpc schema, version 2: Idempotency-Key records (README "Retrying safely"). A key is claimed by the write's
-- own transaction (INSERT … ON CONFLICT DO NOTHING: a second request with the key waits for the first's transaction,
-- then finds its result) and holds that write's result until it expires; expired keys are purged in bounded batches.

CREATE TABLE idempotency_keys (
    organization  text        NOT NULL,
    key           text        NOT NULL,
    fingerprint   text        NOT NULL,
    result_json   text,
    expires_at    timestamptz NOT NULL,
    PRIMARY KEY (organization, key)
);

CREATE INDEX idempotency_keys_expiry ON idempotency_keys (expires_at);
