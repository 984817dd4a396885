-- Missions.Grpc schema, version 4: webhook endpoints, their deliveries (the outbox: a delivery is inserted in the
-- transaction of the run change that causes it) and settings kept with the data (the webhook signing key).
-- Deliveries are claimed for an attempt with FOR UPDATE SKIP LOCKED, so two replicas never claim one delivery; a claim
-- moves next_attempt_at to its lease's end, so a killed replica's claims are due again when their lease ends.

CREATE TABLE webhooks (
    organization text        NOT NULL,
    id           uuid        NOT NULL,
    url          text        NOT NULL,
    event_types  text[]      NOT NULL, -- empty: every type
    mission_id   uuid,
    description  text,
    enabled      boolean     NOT NULL,
    created_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL,
    PRIMARY KEY (organization, id)
);

CREATE TABLE webhook_deliveries (
    organization          text        NOT NULL,
    id                    uuid        NOT NULL,
    webhook_id            uuid        NOT NULL,
    event_id              uuid        NOT NULL,
    event_type            text        NOT NULL,
    occurred_at           timestamptz NOT NULL,
    run_id                uuid,
    change_number         bigint      NOT NULL,
    subject_kind          text        NOT NULL,
    subject_json          text        NOT NULL,
    status                text        NOT NULL,
    attempts              integer     NOT NULL,
    schedule_start        integer     NOT NULL,
    last_status_code      integer,
    last_error            text,
    last_response_excerpt text,
    next_attempt_at       timestamptz,
    created_at            timestamptz NOT NULL,
    updated_at            timestamptz NOT NULL,
    PRIMARY KEY (organization, id),
    -- An endpoint's delete takes its deliveries along.
    FOREIGN KEY (organization, webhook_id) REFERENCES webhooks (organization, id) ON DELETE CASCADE
);
-- The claims' walk over pending deliveries only, endpoint by endpoint in due order (statements name status = 'pending'
-- as a literal, so that a prepared statement's generic plan can use it); also the endpoints that have any (a loose scan).
CREATE INDEX webhook_deliveries_pending ON webhook_deliveries (organization, webhook_id, next_attempt_at, id) WHERE status = 'pending';
-- An endpoint's deliveries, newest first (ids are UUIDv7).
CREATE INDEX webhook_deliveries_by_webhook ON webhook_deliveries (organization, webhook_id, id);
-- The purge's walk over the deliveries that ended (their updated_at is when).
CREATE INDEX webhook_deliveries_ended ON webhook_deliveries (updated_at, id) WHERE status <> 'pending';

-- Values kept with the data, the same for every replica: the first replica's insert wins; another replica's insert of
-- the same name fails on the primary key, and its batch runs again from its load, where it finds the stored value.
CREATE TABLE settings (
    name  text PRIMARY KEY,
    value text NOT NULL
);
