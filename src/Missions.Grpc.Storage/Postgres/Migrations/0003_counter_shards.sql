-- Missions.Grpc schema, version 3: counters in shards. A counter is the sum of its rows, one per shard that changed it;
-- each write batch adds its changes to one shard, chosen per batch. With one row per counter, replicas committing at
-- the same time queued behind each other on the organization's hot counters (missions, runs by status, events by type,
-- stored Idempotency-Keys): a batch holds the rows it changes until its COMMIT. Existing counts become shard 0.
-- Replicas of an earlier version cannot write after this migration (their ON CONFLICT names the old key): upgrade a
-- deployment's replicas together.

ALTER TABLE counters ADD COLUMN shard smallint NOT NULL DEFAULT 0;
ALTER TABLE counters DROP CONSTRAINT counters_pkey;
ALTER TABLE counters ADD PRIMARY KEY (key, shard);
ALTER TABLE counters ALTER COLUMN shard DROP DEFAULT;
