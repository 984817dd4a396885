using Npgsql;
using static Missions.Grpc.Storage.Postgres.PostgresRows;

namespace Missions.Grpc.Storage.Postgres;

/// <summary>
/// Events: the <c>events</c> table, keyed by (organization, run, seq) — seq is the run's change number, taken under the
/// run's row lock, so a run's trail is in commit order whatever replica logged each event. Idempotency is the unique
/// index on (organization, run, idempotency key): an insert that meets it inserts nothing, and the stored event decides
/// (<see cref="EventRules.Retry"/>). The organization's feed is newest first by UUIDv7 id.
/// </summary>
internal sealed class PostgresEventStore(PostgresBackend backend) : IEventStore
{
    public Task<LoggedEvent> LogEventAsync(string organization, Guid missionId, Guid runId, NewEvent newEvent, CancellationToken cancellationToken = default) =>
        backend.WriteAsync<LoggedEvent>(async (batch, ct) =>
        {
            // One statement: takes the run's next change number (holding the run until the commit: the event's place in
            // the trail) and inserts the event with it, unless its idempotency key is taken (the number is then unused:
            // watchers read numbers in order, gaps included).
            var stored = EventRules.Create(newEvent, backend.Ids.NewId().ToString(), runId.ToString(), 0, backend.Clock.Now());
            var fingerprint = newEvent.IdempotencyKey is null ? null : EventRules.Fingerprint(newEvent);
            var (taken, inserted) = await Pg.FirstAsync(batch.Connection,
                """
                WITH run AS (
                    UPDATE runs SET change_seq = change_seq + 1 WHERE organization = $1 AND id = $2 AND mission_id = $12 RETURNING change_seq
                ), inserted AS (
                    INSERT INTO events (organization, run_id, seq, id, type, summary, occurred_at, step_id, agent_id, idempotency_key, payload_json, fingerprint)
                    SELECT $1, $2, change_seq, $3, $4, $5, $6, $7, $8, $9, $10, $11 FROM run
                    ON CONFLICT (organization, run_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
                    RETURNING seq
                )
                SELECT (SELECT change_seq FROM run), (SELECT seq FROM inserted)
                """,
                r => (Taken: r.IsDBNull(0) ? (long?)null : r.GetInt64(0), Inserted: !r.IsDBNull(1)), ct,
                organization, runId, Guid.Parse(stored.Id), stored.Type, stored.Summary, stored.Timestamp, stored.StepId, stored.AgentId,
                stored.IdempotencyKey, stored.PayloadJson, fingerprint, missionId).ConfigureAwait(false);
            if (taken is not { } seq)
            {
                return Outcome<LoggedEvent>.Fail(NotFound.RunOrMission(
                    await PostgresLookups.MissionExistsAsync(batch.Connection, organization, missionId, "", ct).ConfigureAwait(false)));
            }
            if (!inserted)
            {
                var earlier = await Pg.FirstAsync(batch.Connection,
                    $"SELECT {EventColumns} FROM events WHERE organization = $1 AND run_id = $2 AND idempotency_key = $3",
                    r => (Event: Event(r), Fingerprint: Fingerprint(r)), ct, organization, runId, newEvent.IdempotencyKey).ConfigureAwait(false);
                return EventRules.Retry(earlier.Event, earlier.Fingerprint, newEvent);
            }
            stored = stored with { Sequence = seq };
            batch.Count(+1, CounterKeys.Of(organization, stored));
            batch.Notified(organization, runId.ToString(), seq, PostgresFeed.EventChange);
            return new LoggedEvent(stored, Replayed: false);
        }, cancellationToken);

    public Task<Page<EventDocument>> ListRunEventsAsync(
        string organization, Guid missionId, Guid runId, EventFilter filter, int offset, int limit, CancellationToken cancellationToken = default) =>
        backend.ReadAsync(async (connection, ct) =>
        {
            await PostgresLookups.RequireRunAsync(connection, organization, missionId, runId, ct).ConfigureAwait(false);
            var conditions = new List<string>();
            var args = new List<object?> { organization, runId, offset, limit };
            foreach (var (column, value) in new[] { ("type", filter.Type), ("step_id", filter.StepId), ("agent_id", filter.AgentId) })
            {
                if (value is not null)
                {
                    args.Add(value);
                    conditions.Add($"AND {column} = ${args.Count}");
                }
            }
            var where = $"organization = $1 AND run_id = $2 {string.Join(' ', conditions)}";
            var counter = CounterKeys.RunEventsMatching(organization, runId.ToString(), filter);
            await using var batch = new NpgsqlBatch(connection)
            {
                BatchCommands =
                {
                    counter is null
                        ? Pg.BatchCommand($"SELECT count(*) FROM events WHERE {where}", [.. args])  // combined filters: counted within one run
                        : Pg.BatchCommand("SELECT count FROM counters WHERE key = $1", counter),
                    Pg.BatchCommand($"SELECT {EventColumns} FROM events WHERE {where} ORDER BY seq OFFSET $3 LIMIT $4", [.. args]),
                },
            };
            await using var reader = await batch.ExecuteReaderAsync(ct).ConfigureAwait(false);
            var total = await reader.ReadAsync(ct).ConfigureAwait(false) ? (int)reader.GetInt64(0) : 0;
            await reader.NextResultAsync(ct).ConfigureAwait(false);
            return new Page<EventDocument>(await Pg.ReadAllAsync(reader, Event, ct).ConfigureAwait(false), total);
        }, cancellationToken);

    public Task<Page<EventDocument>> ListRecentEventsAsync(string organization, string? type, int offset, int limit, CancellationToken cancellationToken = default) =>
        backend.ReadAsync(async (connection, ct) =>
        {
            await using var batch = new NpgsqlBatch(connection)
            {
                BatchCommands =
                {
                    Pg.BatchCommand("SELECT count FROM counters WHERE key = $1", type is null ? CounterKeys.Events(organization) : CounterKeys.EventsByType(organization, type)),
                    type is null
                        ? Pg.BatchCommand($"SELECT {EventColumns} FROM events WHERE organization = $1 ORDER BY id DESC OFFSET $2 LIMIT $3", organization, offset, limit)
                        : Pg.BatchCommand($"SELECT {EventColumns} FROM events WHERE organization = $1 AND type = $4 ORDER BY id DESC OFFSET $2 LIMIT $3",
                            organization, offset, limit, type),
                },
            };
            await using var reader = await batch.ExecuteReaderAsync(ct).ConfigureAwait(false);
            var total = await reader.ReadAsync(ct).ConfigureAwait(false) ? (int)reader.GetInt64(0) : 0;
            await reader.NextResultAsync(ct).ConfigureAwait(false);
            return new Page<EventDocument>(await Pg.ReadAllAsync(reader, Event, ct).ConfigureAwait(false), total);
        }, cancellationToken);

    public Task<EventDocument> GetEventAsync(string organization, Guid missionId, Guid runId, string eventId, CancellationToken cancellationToken = default) =>
        backend.ReadAsync(async (connection, ct) =>
        {
            await PostgresLookups.RequireRunAsync(connection, organization, missionId, runId, ct).ConfigureAwait(false);
            return Guid.TryParse(eventId, out var id)
                ? await Pg.FirstAsync(connection, $"SELECT {EventColumns} FROM events WHERE organization = $1 AND run_id = $2 AND id = $3",
                    Event, ct, organization, runId, id).ConfigureAwait(false) ?? throw NotFound.Event()
                : throw NotFound.Event();
        }, cancellationToken);

    public Task<IReadOnlyList<EventDocument>> EventsAfterAsync(
        string organization, Guid missionId, Guid runId, string? afterEventId, int limit, CancellationToken cancellationToken = default) =>
        backend.ReadAsync<IReadOnlyList<EventDocument>>(async (connection, ct) =>
        {
            await PostgresLookups.RequireRunAsync(connection, organization, missionId, runId, ct).ConfigureAwait(false);
            var after = 0L;
            if (afterEventId is not null)
            {
                after = Guid.TryParse(afterEventId, out var cursor)
                    ? await Pg.FirstAsync(connection, "SELECT seq FROM events WHERE organization = $1 AND run_id = $2 AND id = $3",
                        r => (long?)r.GetInt64(0), ct, organization, runId, cursor).ConfigureAwait(false) ?? throw NotFound.Event()
                    : throw NotFound.Event();
            }
            return await Pg.ListAsync(connection, $"SELECT {EventColumns} FROM events WHERE organization = $1 AND run_id = $2 AND seq > $3 ORDER BY seq LIMIT $4",
                Event, ct, organization, runId, after, limit).ConfigureAwait(false);
        }, cancellationToken);
}
