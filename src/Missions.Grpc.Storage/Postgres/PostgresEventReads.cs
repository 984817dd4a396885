using Missions.Grpc.Storage.Core;
using Missions.Grpc.Storage.Stores;
using static Missions.Grpc.Storage.Postgres.PostgresRows;

namespace Missions.Grpc.Storage.Postgres;

internal sealed class PostgresEventReads(PostgresReads reads) : IEventReads
{
    public Task<Page<EventDocument>> ListRunEventsAsync(
        string organization, Guid missionId, Guid runId, EventFilter filter, int offset, int limit, CancellationToken cancellationToken)
    {
        var args = new List<object?> { organization, runId, missionId, offset, limit };
        var conditions = new List<string>();
        foreach (var (column, value) in new[] { ("type", filter.Type), ("step_id", filter.StepId), ("agent_id", filter.AgentId) })
        {
            if (value is not null)
            {
                args.Add(value);
                conditions.Add($"AND {column} = ${args.Count}");
            }
        }
        var where = $"organization = $1 AND run_id = $2 {string.Join(' ', conditions)}";
        string total;
        if (CounterKeys.RunEventsMatching(organization, runId.ToString(), filter) is { } counter)
        {
            args.Add(counter);
            total = $"(SELECT sum(count)::bigint FROM counters WHERE key = ${args.Count})";
        }
        else
        {
            total = $"(SELECT count(*) FROM events WHERE {where})"; // combined filters: counted within one run
        }
        return reads.ReadAsync(
            $"SELECT r.id IS NOT NULL, c.total, {Of("e", EventColumns)} {PostgresReads.RunScope} " +
            $"LEFT JOIN LATERAL (SELECT {total} AS total) c ON r.id IS NOT NULL " +
            $"LEFT JOIN LATERAL (SELECT * FROM events WHERE {where} ORDER BY seq OFFSET $4 LIMIT $5) e ON r.id IS NOT NULL {PostgresReads.RunScopeWhere}",
            [.. args],
            async (r, ct) =>
            {
                await PostgresReads.RunFoundAsync(r, ct).ConfigureAwait(false);
                return await Paged.ReadCurrentAsync(r, at: 2, column: 3, (row, at) => Event(row, at), ct, totalColumn: 1).ConfigureAwait(false);
            },
            cancellationToken);
    }

    public Task<Page<EventDocument>> ListRecentEventsAsync(string organization, string? type, int offset, int limit, CancellationToken cancellationToken) =>
        reads.ReadAsync(
            $"SELECT c.total, {Of("e", EventColumns)} FROM (SELECT (SELECT sum(count)::bigint FROM counters WHERE key = $1) AS total) c " +
            $"LEFT JOIN LATERAL (SELECT * FROM events WHERE organization = $2 {(type is null ? "" : "AND type = $5")} ORDER BY id DESC OFFSET $3 LIMIT $4) e ON true",
            [type is null ? CounterKeys.Events(organization) : CounterKeys.EventsByType(organization, type), organization, offset, limit, type],
            (r, ct) => Paged.ReadAsync(r, at: 1, column: 2, (row, at) => Event(row, at), ct), cancellationToken);

    public Task<EventDocument> GetEventAsync(string organization, Guid missionId, Guid runId, string eventId, CancellationToken cancellationToken) =>
        reads.ReadAsync(
            $"SELECT r.id IS NOT NULL, {Of("e", EventColumns)} {PostgresReads.RunScope} " +
            $"LEFT JOIN events e ON e.organization = r.organization AND e.run_id = r.id AND e.id = $4 {PostgresReads.RunScopeWhere}",
            [organization, runId, missionId, Pg.Uuid(Guid.TryParse(eventId, out var id) ? id : null)],
            async (r, ct) => await PostgresReads.RunFoundAsync(r, ct).ConfigureAwait(false) && !r.IsDBNull(1) ? Event(r, 1) : throw NotFound.Event(),
            cancellationToken);

    public Task<IReadOnlyList<EventDocument>> EventsAfterAsync(
        string organization, Guid missionId, Guid runId, string? afterEventId, int limit, CancellationToken cancellationToken)
    {
        // An unknown cursor (or one that is no event id at all) is "Event not found".
        Guid? cursor = afterEventId is null ? null : Guid.TryParse(afterEventId, out var id) ? id : Guid.Empty;
        return reads.ReadAsync<IReadOnlyList<EventDocument>>(
            $"SELECT r.id IS NOT NULL, k.after, {Of("e", EventColumns)} {PostgresReads.RunScope} " +
            "LEFT JOIN LATERAL (SELECT (SELECT seq FROM events WHERE organization = $1 AND run_id = $2 AND id = $4) AS after) k ON r.id IS NOT NULL " +
            "LEFT JOIN LATERAL (SELECT * FROM events WHERE organization = $1 AND run_id = $2 AND seq > coalesce(k.after, 0) ORDER BY seq LIMIT $5) e " +
            $"ON r.id IS NOT NULL AND ($4::uuid IS NULL OR k.after IS NOT NULL) {PostgresReads.RunScopeWhere}",
            [organization, runId, missionId, Pg.Uuid(cursor), limit],
            async (r, ct) =>
            {
                await PostgresReads.RunFoundAsync(r, ct).ConfigureAwait(false);
                if (cursor is not null && r.IsDBNull(1))
                {
                    throw NotFound.Event();
                }
                return await Paged.ItemsAsync(r, at: 2, column: 2, (row, at) => Event(row, at), ct).ConfigureAwait(false);
            },
            cancellationToken);
    }
}
