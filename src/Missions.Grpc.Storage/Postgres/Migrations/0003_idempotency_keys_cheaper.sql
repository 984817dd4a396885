-- Missions.Grpc schema, version 3: cheaper Idempotency-Key rows (docs/storage.md → "Idempotency-Key records"). Every
-- keyed write inserts one row, so its indexes are on every such write's path:
-- * organization and key compare as bytes (COLLATE "C"): they are identifiers, equal only when byte-equal, and the
--   primary key's comparisons no longer go through the database's locale;
-- * expiry is a BRIN index: rows arrive in about the order they expire, so a block range's bounds find the expired ones
--   for the purge, at a fraction of a btree's cost per insert.

ALTER TABLE idempotency_keys
    ALTER COLUMN organization TYPE text COLLATE "C",
    ALTER COLUMN key TYPE text COLLATE "C";

DROP INDEX idempotency_keys_expiry;
CREATE INDEX idempotency_keys_expiry ON idempotency_keys USING brin (expires_at);
