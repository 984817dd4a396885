-- Missions.Grpc schema, version 1. Applied once, in one transaction, under the migration lock (PostgresSchema).
-- Every table is keyed by organization first: every statement names it, so one tenant never reads another's rows.
-- Written to PostgreSQL 15 and the subset its wire-compatible distributed relatives accept (no triggers, no sequences
-- shared across tables, no extensions): see README "Scaling out".

CREATE TABLE missions (
    organization      text        NOT NULL,
    id                uuid        NOT NULL,
    name              text        NOT NULL,
    description       text,
    model             text,
    instructions      text,
    execution_mode    text        NOT NULL,
    metadata_json     text,
    created_at        timestamptz NOT NULL,
    updated_at        timestamptz NOT NULL,
    attachment_count  integer     NOT NULL DEFAULT 0,
    PRIMARY KEY (organization, id)
);

CREATE TABLE runs (
    organization        text        NOT NULL,
    id                  uuid        NOT NULL,
    mission_id          uuid        NOT NULL,
    status              text        NOT NULL,
    started_at          timestamptz NOT NULL,
    updated_at          timestamptz NOT NULL,
    finished_at         timestamptz,
    input_json          text,
    metadata_json       text,
    result_summary      text,
    result_payload_json text,
    error               text,
    -- The run's change counter: every event and every change of the run or its steps takes the next value under the
    -- run's row lock, so it is the run's commit order across replicas (watch cursors and the change log use it).
    change_seq          bigint      NOT NULL DEFAULT 0,
    PRIMARY KEY (organization, id),
    FOREIGN KEY (organization, mission_id) REFERENCES missions (organization, id) ON DELETE CASCADE
);
CREATE INDEX runs_by_mission ON runs (organization, mission_id, id);
CREATE INDEX runs_by_status ON runs (organization, status, id);
CREATE INDEX runs_by_mission_status ON runs (organization, mission_id, status, id);

CREATE TABLE steps (
    organization   text        NOT NULL,
    run_id         uuid        NOT NULL,
    step_id        text        NOT NULL,
    sequence       integer     NOT NULL,
    created        uuid        NOT NULL,
    description    text        NOT NULL,
    status         text        NOT NULL,
    parent_step_id text,
    metadata_json  text,
    started_at     timestamptz,
    completed_at   timestamptz,
    PRIMARY KEY (organization, run_id, step_id),
    FOREIGN KEY (organization, run_id) REFERENCES runs (organization, id) ON DELETE CASCADE
);
CREATE INDEX steps_plan ON steps (organization, run_id, sequence, created);

CREATE TABLE events (
    organization    text        NOT NULL,
    run_id          uuid        NOT NULL,
    seq             bigint      NOT NULL,
    id              uuid        NOT NULL,
    type            text        NOT NULL,
    summary         text        NOT NULL,
    occurred_at     timestamptz NOT NULL,
    step_id         text,
    agent_id        text,
    idempotency_key text,
    payload_json    text,
    fingerprint     text,
    PRIMARY KEY (organization, run_id, seq),
    FOREIGN KEY (organization, run_id) REFERENCES runs (organization, id) ON DELETE CASCADE
);
-- Idempotency is this constraint: of concurrent retries on any replicas, one insert wins, the others find it.
CREATE UNIQUE INDEX events_idempotency ON events (organization, run_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX events_by_id ON events (organization, id);
CREATE INDEX events_run_by_type ON events (organization, run_id, type, seq);
CREATE INDEX events_run_by_step ON events (organization, run_id, step_id, seq) WHERE step_id IS NOT NULL;
CREATE INDEX events_run_by_agent ON events (organization, run_id, agent_id, seq) WHERE agent_id IS NOT NULL;
CREATE INDEX events_by_type ON events (organization, type, id);

CREATE TABLE agent_links (
    organization    text        NOT NULL,
    run_id          uuid        NOT NULL,
    telnyx_agent_id text        NOT NULL,
    created         uuid        NOT NULL,
    created_at      timestamptz NOT NULL,
    PRIMARY KEY (organization, run_id, telnyx_agent_id),
    FOREIGN KEY (organization, run_id) REFERENCES runs (organization, id) ON DELETE CASCADE
);
CREATE INDEX agent_links_order ON agent_links (organization, run_id, created);

CREATE TABLE attachments (
    organization    text        NOT NULL,
    mission_id      uuid        NOT NULL,
    kind            text        NOT NULL,
    item_id         text        NOT NULL,
    created         uuid        NOT NULL,
    definition_json text        NOT NULL,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    PRIMARY KEY (organization, mission_id, kind, item_id),
    FOREIGN KEY (organization, mission_id) REFERENCES missions (organization, id) ON DELETE CASCADE
);
CREATE INDEX attachments_order ON attachments (organization, mission_id, kind, created);

-- List totals, kept in the transaction of the change (one upsert per counter and write batch): CounterKeys.
CREATE TABLE counters (
    key   text   PRIMARY KEY,
    count bigint NOT NULL
);

-- What watchers on other replicas read after a notification: run and step changes, in the run's change order.
-- Events are read from events by seq. Removed with the run.
CREATE TABLE run_changes (
    organization text   NOT NULL,
    run_id       uuid   NOT NULL,
    seq          bigint NOT NULL,
    kind         text   NOT NULL,
    body         text   NOT NULL,
    PRIMARY KEY (organization, run_id, seq),
    FOREIGN KEY (organization, run_id) REFERENCES runs (organization, id) ON DELETE CASCADE
);

-- One row per write batch, inserted in the batch's own transaction. When a COMMIT's answer is lost, the writer inserts
-- the same token over another connection: the primary key makes that wait for the batch's transaction, then fail if it
-- committed (unique violation) or succeed if not (then rolled back). Unambiguous, unlike transaction ids, which a
-- database restarted from its log hands out again. Rows older than a few minutes are swept by the writers.
CREATE TABLE write_markers (
    token      uuid        PRIMARY KEY,
    written_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX write_markers_age ON write_markers (written_at);
