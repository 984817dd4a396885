#!/usr/bin/env bash
# What an Idempotency-Key row costs PostgreSQL, measured in SQL alone (no service, no network): on a private cluster
# (fsync on), the schema of the service's own migrations, rows inserted the way the writer inserts them — a batch's
# rows in one INSERT … SELECT unnest(…) — in batches of 16 (the writer's default batch), inside one transaction per
# variant, five rounds in rotating order. Prints the median µs per row of each variant:
#   key row        idempotency_keys as migrated (primary key + expiry index), a create's answer as the result
#   no expiry idx  the same table without its expiry index
#   heap only      the same rows, no index at all
#   mission row    the missions table, rows like the bench's create (what the write itself costs)
# Usage: bench/postgres-key-rows.sh [batches per round, default 3000]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
scripts/install-postgres.sh > /dev/null
batches=${1:-3000}
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
dir=$(mktemp -d /tmp/missions-keyrows-XXXXXX)
port=""
for candidate in $(shuf -i 20000-60000 -n 50); do # a loopback port nothing answers on
  if ! (exec 3<> "/dev/tcp/127.0.0.1/$candidate") 2> /dev/null; then port=$candidate; break; fi
done
[[ -n $port ]] || { echo "no free loopback port found" >&2; exit 1; }
as_pg=()
if [[ $EUID -eq 0 ]]; then chown postgres:postgres "$dir"; as_pg=(runuser -u postgres --); fi
cleanup() { "${as_pg[@]}" "$bin/pg_ctl" -D "$dir/data" -m immediate stop > /dev/null 2>&1 || true; rm -rf "$dir"; }
trap cleanup EXIT
"${as_pg[@]}" "$bin/initdb" -D "$dir/data" -A trust -U postgres -E UTF8 --no-sync > /dev/null
"${as_pg[@]}" "$bin/pg_ctl" -D "$dir/data" -w -l "$dir/server.log" \
  -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=on -c synchronous_commit=on" start > /dev/null
psql=("$bin/psql" -X -q -h 127.0.0.1 -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1)
migrations=src/Missions.Grpc.Storage/Postgres/Migrations
"${psql[@]}" -f "$migrations/0001_initial.sql" -f "$migrations/0002_idempotency_keys.sql"
"${psql[@]}" <<'SQL'
CREATE TABLE keys_no_expiry (LIKE idempotency_keys INCLUDING ALL);
DROP INDEX keys_no_expiry_expires_at_idx;
CREATE TABLE keys_heap_only (LIKE idempotency_keys);
-- One round: n batches of 16 rows into the variant's table, the arrays built as the writer's parameters are.
CREATE FUNCTION insert_batches(variant text, n int) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  answer text := '{"Organization":"org-a","Id":"0192f0c1-7b7e-7c3a-9a55-3c1f0e2d4b6a","Name":"Triage inbound calls",'
              || '"Description":null,"Model":null,"Instructions":null,"ExecutionMode":"external",'
              || '"MetadataJson":"{\"team\":\"support\"}","CreatedAt":"2026-12-02T10:00:00.000Z","UpdatedAt":"2026-12-02T10:00:00.000Z"}';
  base text := md5(random()::text);
  orgs text[]; keys text[]; fps text[]; results text[]; expiries timestamptz[]; ids uuid[];
BEGIN
  FOR i IN 1..n LOOP
    SELECT array_agg('org-a'::text), array_agg(base || '-' || (i * 16 + g)), array_agg(upper(md5(g::text) || md5(i::text))),
           array_agg(answer), array_agg(now() + interval '24 hours'), array_agg(gen_random_uuid())
      INTO orgs, keys, fps, results, expiries, ids FROM generate_series(1, 16) AS g;
    CASE variant
      WHEN 'key row' THEN INSERT INTO idempotency_keys SELECT * FROM unnest(orgs, keys, fps, results, expiries);
      WHEN 'no expiry idx' THEN INSERT INTO keys_no_expiry SELECT * FROM unnest(orgs, keys, fps, results, expiries);
      WHEN 'heap only' THEN INSERT INTO keys_heap_only SELECT * FROM unnest(orgs, keys, fps, results, expiries);
      WHEN 'mission row' THEN
        INSERT INTO missions (organization, id, name, description, model, instructions, execution_mode, metadata_json, created_at, updated_at, attachment_count)
        SELECT o, id, 'Triage inbound calls', NULL, NULL, NULL, 'external', '{"team":"support"}', now(), now(), 0 FROM unnest(orgs, ids) AS u(o, id);
    END CASE;
  END LOOP;
END $$;
SQL
variants=("key row" "no expiry idx" "heap only" "mission row")
declare -A times
for v in "${variants[@]}"; do "${psql[@]}" -c "SELECT insert_batches('$v', 50)" > /dev/null; done # warm-up
for round in 1 2 3 4 5; do
  for ((i = 0; i < ${#variants[@]}; i++)); do
    v=${variants[$(((i + round) % ${#variants[@]}))]}
    ms=$("${psql[@]}" -c '\timing on' -c "SELECT insert_batches('$v', $batches)" | awk '/^Time:/ {print $2}')
    times[$v]+="$ms "
  done
done
echo "PostgreSQL $("$bin/postgres" --version | awk '{print $3}'): µs per row (median of 5 rounds of $batches batches of 16; every round in brackets)"
rows=$((batches * 16))
for v in "${variants[@]}"; do
  per_row=$(for ms in ${times[$v]}; do awk -v ms="$ms" -v rows=$rows 'BEGIN { printf "%.1f\n", ms * 1000 / rows }'; done | sort -n)
  printf '  %-14s %5s   [ %s ]\n' "$v" "$(sed -n 3p <<< "$per_row")" "$(tr '\n' ' ' <<< "$per_row")"
done
