using System.Data;
using System.Text;
using System.Text.Json;
using Missions.Grpc.Storage.Core;
using Missions.Grpc.Storage.Writing;
using Npgsql;
using static Missions.Grpc.Storage.Postgres.PostgresRows;

namespace Missions.Grpc.Storage.Postgres;

/// <summary>
/// One attempt at a batch in one PostgreSQL transaction, in three round trips whatever the batch holds (two when it reads
/// nothing, as the empty probe batch; a batch of creates reads its organization's quota counters): every row the batch decides on, loaded and locked (<see cref="Load"/>, one
/// <see cref="NpgsqlBatch"/>, <c>BEGIN</c> sent ahead of it); every row it changed, with its counters, keys, run changes,
/// commit marker and notifications (<see cref="Write"/>, one more); <c>COMMIT</c>. Every statement takes its rows as
/// arrays (<c>unnest</c>), so its text is the same for a batch of one or of two hundred and is prepared once per
/// connection. Rows are locked in key order, table by table, before anything is read without a lock: a plain read then
/// sees what any transaction it waited for committed.
/// </summary>
internal sealed class PostgresBatchTransaction : IBatchTransaction
{
    private readonly PostgresTransactionAdapter _adapter;
    private readonly NpgsqlConnection _connection;
    private readonly NpgsqlTransaction _transaction;
    private readonly bool _sweepMarkers;
    private readonly Guid _token = Guid.NewGuid();

    /// <summary>Rows a counter may be spread over (<see cref="WriteCountersAndKeys"/>); a read sums them (migration 0003).</summary>
    public const int CounterShards = 16;

    public PostgresBatchTransaction(PostgresTransactionAdapter adapter, NpgsqlConnection connection, bool sweepMarkers)
    {
        _adapter = adapter;
        _connection = connection;
        _sweepMarkers = sweepMarkers;
        try
        {
            _transaction = connection.BeginTransaction(IsolationLevel.ReadCommitted); // sent with the first statements
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    public void Load(BatchNeeds needs, BatchState state)
    {
        if (needs.IsEmpty)
        {
            return;
        }
        var reads = new Reads(_connection, _transaction);
        if (needs.Organizations.Count > 0)
        {
            // First, in one order: the organizations whose quotas the batch decides on, held until it commits, so that a
            // replica reads their counters only after any other replica's batch over them committed.
            reads.Add(
                "SELECT pg_advisory_xact_lock(hashtextextended('missions-quota:' || k.organization, 0)) " +
                "FROM unnest($1::text[]) WITH ORDINALITY AS k (organization, n) ORDER BY k.n",
                _ => { }, null, Pg.Texts(needs.Organizations));
        }
        LoadMissions(needs, state, reads);
        if (needs.Runs.Count > 0)
        {
            var keys = needs.Runs.ToList();
            reads.Add(
                $"SELECT {Of("r", RunColumns)}, r.change_seq FROM runs r JOIN unnest($1::text[], $2::uuid[]) AS k (organization, id) " +
                "ON r.organization = k.organization AND r.id = k.id ORDER BY r.organization, r.id FOR UPDATE OF r",
                r =>
                {
                    var run = Run(r);
                    state.Runs.Loaded((run.Organization, r.GetGuid(1)), new RunRow(run, r.GetInt64(12)));
                },
                () => Absent(keys, key => state.Runs.IsLoaded(key), key => state.Runs.Loaded(key, null)),
                Pg.Texts(keys.Select(k => k.Organization)), Pg.Uuids(keys.Select(k => k.Id)));
        }
        var contents = needs.MissionContents.ToList();
        var contentRuns = new Dictionary<(string, Guid), List<RunRow>>();
        var stepCounts = new Dictionary<(string, Guid), int>();
        var eventGroups = new Dictionary<(string, Guid), List<(string, string?, string?, int)>>();
        if (contents.Count > 0)
        {
            object?[] args = [Pg.Texts(contents.Select(k => k.Organization)), Pg.Uuids(contents.Select(k => k.MissionId))];
            reads.Add(
                $"SELECT {Of("r", RunColumns)}, r.change_seq FROM runs r JOIN unnest($1::text[], $2::uuid[]) AS k (organization, mission_id) " +
                "ON r.organization = k.organization AND r.mission_id = k.mission_id ORDER BY r.organization, r.id FOR UPDATE OF r",
                r =>
                {
                    var run = Run(r);
                    Bucket(contentRuns, (run.Organization, Guid.Parse(run.MissionId))).Add(new RunRow(run, r.GetInt64(12)));
                },
                null, args);
        }
        if (needs.IdempotencyKeys.Count > 0)
        {
            var keys = needs.IdempotencyKeys.OrderBy(k => k.Organization, StringComparer.Ordinal).ThenBy(k => k.Key, StringComparer.Ordinal).ToList();
            reads.Add(
                "SELECT i.organization, i.key, i.fingerprint, i.result_json, i.expires_at FROM idempotency_keys i " +
                "JOIN unnest($1::text[], $2::text[]) AS k (organization, key) ON i.organization = k.organization AND i.key = k.key " +
                "ORDER BY i.organization, i.key FOR UPDATE OF i",
                r => state.Keys.Loaded((r.Text(0), r.Text(1)),
                    new KeyRecord(r.Text(0), r.Text(1), r.Text(2), Encoding.UTF8.GetBytes(r.NullableString(3) ?? ""), r.Utc(4))),
                () => Absent(keys, key => state.Keys.IsLoaded(key), key => state.Keys.Loaded(key, null)),
                Pg.Texts(keys.Select(k => k.Organization)), Pg.Texts(keys.Select(k => k.Key)));
        }
        if (needs.ExpiredKeys is var (before, limit))
        {
            var expired = new List<(string, string)>();
            var kib = new List<int>();
            reads.Add(
                "SELECT organization, key, fingerprint, coalesce(octet_length(result_json), 0) FROM idempotency_keys WHERE expires_at < $1 ORDER BY expires_at LIMIT $2 FOR UPDATE SKIP LOCKED",
                r =>
                {
                    expired.Add((r.Text(0), r.Text(1)));
                    kib.Add(StoredSize.KiB(r.Text(1), r.Text(2), r.GetInt32(3)));
                },
                () => state.LoadedExpired(new ExpiredKeys(expired, kib, expired)),
                Pg.Time(before), limit);
        }

        LockWebhooks(needs, state, reads);

        // Plain reads, after every lock was taken.
        LoadExistence(needs, state, reads, RowLock.None);
        if (contents.Count > 0)
        {
            object?[] args = [Pg.Texts(contents.Select(k => k.Organization)), Pg.Uuids(contents.Select(k => k.MissionId))];
            reads.Add(
                "SELECT s.organization, s.run_id, count(*) FROM steps s JOIN runs r ON s.organization = r.organization AND s.run_id = r.id " +
                "JOIN unnest($1::text[], $2::uuid[]) AS k (organization, mission_id) ON r.organization = k.organization AND r.mission_id = k.mission_id " +
                "GROUP BY s.organization, s.run_id",
                r => stepCounts[(r.Text(0), r.GetGuid(1))] = (int)r.GetInt64(2),
                null, args);
            reads.Add(
                "SELECT e.organization, e.run_id, e.type, e.step_id, e.agent_id, count(*) FROM events e JOIN runs r ON e.organization = r.organization AND e.run_id = r.id " +
                "JOIN unnest($1::text[], $2::uuid[]) AS k (organization, mission_id) ON r.organization = k.organization AND r.mission_id = k.mission_id " +
                "GROUP BY e.organization, e.run_id, e.type, e.step_id, e.agent_id",
                r => Bucket(eventGroups, (r.Text(0), r.GetGuid(1))).Add((r.Text(2), r.NullableString(3), r.NullableString(4), (int)r.GetInt64(5))),
                () =>
                {
                    foreach (var (organization, missionId) in contents)
                    {
                        state.LoadedContents(organization, missionId, contentRuns.GetValueOrDefault((organization, missionId), []).Select(run =>
                        {
                            var key = (organization, Guid.Parse(run.Run.Id));
                            return (run, new RunContents(stepCounts.GetValueOrDefault(key), eventGroups.GetValueOrDefault(key, [])));
                        }));
                    }
                },
                args);
        }
        if (needs.Steps.Count > 0)
        {
            var keys = needs.Steps.ToList();
            reads.Add(
                $"SELECT {Of("s", StepColumns)}, s.organization, s.created FROM steps s JOIN unnest($1::text[], $2::uuid[], $3::text[]) AS k (organization, run_id, step_id) " +
                "ON s.organization = k.organization AND s.run_id = k.run_id AND s.step_id = k.step_id",
                r => state.Steps.Loaded((r.Text(9), r.GetGuid(1), r.Text(0)), new StepRow(r.Text(9), Step(r), r.GetGuid(10))),
                () => Absent(keys, key => state.Steps.IsLoaded(key), key => state.Steps.Loaded(key, null)),
                Pg.Texts(keys.Select(k => k.Organization)), Pg.Uuids(keys.Select(k => k.RunId)), Pg.Texts(keys.Select(k => k.StepId)));
        }
        if (needs.EventKeys.Count > 0)
        {
            var keys = needs.EventKeys.ToList();
            reads.Add(
                $"SELECT {Of("e", EventColumns)}, e.organization FROM events e JOIN unnest($1::text[], $2::uuid[], $3::text[]) AS k (organization, run_id, key) " +
                "ON e.organization = k.organization AND e.run_id = k.run_id AND e.idempotency_key = k.key",
                r => state.EventsByKey.Loaded((r.Text(11), r.GetGuid(2), r.Text(8)), new EventRow(r.Text(11), Event(r), Fingerprint(r))),
                () => Absent(keys, key => state.EventsByKey.IsLoaded(key), key => state.EventsByKey.Loaded(key, null)),
                Pg.Texts(keys.Select(k => k.Organization)), Pg.Uuids(keys.Select(k => k.RunId)), Pg.Texts(keys.Select(k => k.Key)));
        }
        if (needs.Links.Count > 0)
        {
            var keys = needs.Links.ToList();
            reads.Add(
                $"SELECT {Of("l", LinkColumns)}, l.organization, l.created FROM agent_links l " +
                "JOIN unnest($1::text[], $2::uuid[], $3::text[]) AS k (organization, run_id, agent_id) " +
                "ON l.organization = k.organization AND l.run_id = k.run_id AND l.telnyx_agent_id = k.agent_id",
                r => state.Links.Loaded((r.Text(3), r.GetGuid(0), r.Text(1)), new LinkRow(r.Text(3), Link(r), r.GetGuid(4))),
                () => Absent(keys, key => state.Links.IsLoaded(key), key => state.Links.Loaded(key, null)),
                Pg.Texts(keys.Select(k => k.Organization)), Pg.Uuids(keys.Select(k => k.RunId)), Pg.Texts(keys.Select(k => k.AgentId)));
        }
        if (needs.LinkCounts.Count > 0)
        {
            var keys = needs.LinkCounts.ToList();
            reads.Add(
                "SELECT k.organization, k.run_id, (SELECT count(*) FROM agent_links l WHERE l.organization = k.organization AND l.run_id = k.run_id) " +
                "FROM unnest($1::text[], $2::uuid[]) AS k (organization, run_id)",
                r => state.LoadedLinkCount(r.Text(0), r.GetGuid(1), (int)r.GetInt64(2)),
                null, Pg.Texts(keys.Select(k => k.Organization)), Pg.Uuids(keys.Select(k => k.RunId)));
        }
        if (needs.Attachments.Count > 0)
        {
            var keys = needs.Attachments.ToList();
            reads.Add(
                $"SELECT {Of("a", AttachmentColumns)}, a.organization, a.created FROM attachments a " +
                "JOIN unnest($1::text[], $2::uuid[], $3::text[], $4::text[]) AS k (organization, mission_id, kind, item_id) " +
                "ON a.organization = k.organization AND a.mission_id = k.mission_id AND a.kind = k.kind AND a.item_id = k.item_id",
                r => state.Attachments.Loaded((r.Text(6), r.GetGuid(2), r.Text(0), r.Text(1)), new AttachmentRow(r.Text(6), Attachment(r), r.GetGuid(7))),
                () => Absent(keys, key => state.Attachments.IsLoaded(key), key => state.Attachments.Loaded(key, null)),
                Pg.Texts(keys.Select(k => k.Organization)), Pg.Uuids(keys.Select(k => k.MissionId)), Pg.Texts(keys.Select(k => k.Kind)),
                Pg.Texts(keys.Select(k => k.ItemId)));
        }
        if (needs.AttachmentCounts.Count > 0)
        {
            var keys = needs.AttachmentCounts.ToList();
            reads.Add(
                "SELECT k.organization, k.mission_id, k.kind, (SELECT count(*) FROM attachments a " +
                "WHERE a.organization = k.organization AND a.mission_id = k.mission_id AND a.kind = k.kind) " +
                "FROM unnest($1::text[], $2::uuid[], $3::text[]) AS k (organization, mission_id, kind)",
                r => state.LoadedAttachmentCount(r.Text(0), r.GetGuid(1), r.Text(2), (int)r.GetInt64(3)),
                null, Pg.Texts(keys.Select(k => k.Organization)), Pg.Uuids(keys.Select(k => k.MissionId)), Pg.Texts(keys.Select(k => k.Kind)));
        }
        if (needs.AttachmentLists.Count > 0)
        {
            var keys = needs.AttachmentLists.ToList();
            reads.Add(
                $"SELECT {Of("a", AttachmentColumns)}, a.organization, a.created FROM attachments a " +
                "JOIN unnest($1::text[], $2::uuid[]) AS k (organization, mission_id) ON a.organization = k.organization AND a.mission_id = k.mission_id",
                r => state.Attachments.Loaded((r.Text(6), r.GetGuid(2), r.Text(0), r.Text(1)), new AttachmentRow(r.Text(6), Attachment(r), r.GetGuid(7))),
                () =>
                {
                    foreach (var (organization, missionId) in keys)
                    {
                        state.LoadedAttachmentList(organization, missionId);
                    }
                },
                Pg.Texts(keys.Select(k => k.Organization)), Pg.Uuids(keys.Select(k => k.MissionId)));
        }
        ReadWebhooks(needs, state, reads);
        if (needs.Counters.Count > 0)
        {
            var keys = needs.Counters.ToList();
            var found = new Dictionary<string, int>(StringComparer.Ordinal);
            reads.Add("SELECT key, sum(count)::bigint FROM counters WHERE key = ANY($1) GROUP BY key",
                r => found[r.Text(0)] = (int)r.GetInt64(1),
                () =>
                {
                    foreach (var key in keys)
                    {
                        state.LoadedCounter(key, found.GetValueOrDefault(key));
                    }
                },
                Pg.Texts(keys));
        }
        reads.Execute();
    }

    /// <summary>
    /// Webhook endpoints and deliveries, locked: first the endpoints, in one statement and key order — the ones a command
    /// names (an update, a delete, a retry, a test) and those of the deliveries loaded by id — then the deliveries by id,
    /// then the due deliveries of a claim and the ended ones of a purge, each with its endpoint, skipping what another
    /// replica holds (two claims never take one delivery). An endpoint's delete holds it <c>FOR UPDATE</c> before it
    /// reads its deliveries' counts, and what changes a delivery without its organization's quota lock (an attempt
    /// recorded, a claim, a purge) holds the delivery's endpoint at least <c>FOR KEY SHARE</c>: the delete waits for
    /// them, and they for it (then finding the delivery gone), so the counts the delete takes off are the ones its
    /// cascade removes. What queues a delivery (a run change, a test) or retries one holds the organization's quota lock,
    /// as the delete does: one of them commits before the other loads (the endpoints are read without a lock).
    /// </summary>
    private static void LockWebhooks(BatchNeeds needs, BatchState state, Reads reads)
    {
        var named = needs.Webhooks.ToList();
        var deliveries = needs.Deliveries.OrderBy(k => k.Organization, StringComparer.Ordinal).ThenBy(k => k.Id).ToList();
        if (named.Count + deliveries.Count > 0)
        {
            // One statement, so that the endpoints are locked in one order; as strongly as the strongest need (an endpoint
            // named by a command), so that a batch never holds one lock and waits for a stronger one on the same table.
            var hold = named.Count > 0 ? "UPDATE" : "KEY SHARE";
            reads.Add(
                $"SELECT {Of("w", WebhookColumns)} FROM webhooks w WHERE (w.organization, w.id) IN (" +
                "SELECT k.organization, k.id FROM unnest($1::text[], $2::uuid[]) AS k (organization, id) " +
                "UNION SELECT d.organization, d.webhook_id FROM webhook_deliveries d JOIN unnest($3::text[], $4::uuid[]) AS k (organization, id) " +
                "ON d.organization = k.organization AND d.id = k.id) " +
                $"ORDER BY w.organization, w.id FOR {hold} OF w",
                r => state.Webhooks.Loaded((r.Text(0), r.GetGuid(1)), Webhook(r)),
                () => Absent(named, key => state.Webhooks.IsLoaded(key), key => state.Webhooks.Loaded(key, null)),
                Pg.Texts(named.Select(k => k.Organization)), Pg.Uuids(named.Select(k => k.Id)),
                Pg.Texts(deliveries.Select(k => k.Organization)), Pg.Uuids(deliveries.Select(k => k.Id)));
        }
        if (deliveries.Count > 0)
        {
            reads.Add(
                $"SELECT {Of("d", DeliveryColumns)} FROM webhook_deliveries d JOIN unnest($1::text[], $2::uuid[]) AS k (organization, id) " +
                "ON d.organization = k.organization AND d.id = k.id ORDER BY d.organization, d.id FOR UPDATE OF d",
                r => state.Deliveries.Loaded((r.Text(0), r.GetGuid(1)), Delivery(r)),
                () => Absent(deliveries, key => state.Deliveries.IsLoaded(key), key => state.Deliveries.Loaded(key, null)),
                Pg.Texts(deliveries.Select(k => k.Organization)), Pg.Uuids(deliveries.Select(k => k.Id)));
        }
        if (needs.DueDeliveries is var (now, limit, perEndpoint, excluded))
        {
            // Endpoint by endpoint: the endpoints with deliveries pending (a loose index scan of the pending index, one
            // probe per endpoint), but the ones with no free slot; each one's due deliveries, at most the slots one endpoint
            // can take (the candidates, read without locks); then in due order, each locked or skipped if another
            // replica's claim holds it, until the claim's limit: a claim locks no more than it can take. One endpoint's
            // backlog cannot hide another's deliveries, as a walk in global due order would. status = 'pending' as a
            // literal: a prepared statement's generic plan can then use the partial index.
            reads.Add(
                "WITH RECURSIVE pending (organization, webhook_id) AS (" +
                "(SELECT organization, webhook_id FROM webhook_deliveries WHERE status = 'pending' ORDER BY organization, webhook_id LIMIT 1) " +
                "UNION ALL SELECT n.organization, n.webhook_id FROM pending p CROSS JOIN LATERAL (SELECT organization, webhook_id " +
                "FROM webhook_deliveries WHERE status = 'pending' AND (organization, webhook_id) > (p.organization, p.webhook_id) " +
                "ORDER BY organization, webhook_id LIMIT 1) n), " +
                "candidates AS (SELECT x.organization, x.id FROM (SELECT * FROM pending WHERE NOT (webhook_id = ANY($3))) p " +
                "CROSS JOIN LATERAL (SELECT organization, id FROM webhook_deliveries x WHERE x.status = 'pending' AND x.organization = p.organization " +
                "AND x.webhook_id = p.webhook_id AND x.next_attempt_at <= $1 ORDER BY x.next_attempt_at, x.id LIMIT least($4, $2)) x) " +
                $"SELECT {Of("d", DeliveryColumns)}, {Of("w", WebhookColumns)} FROM webhook_deliveries d " +
                "JOIN candidates c ON c.organization = d.organization AND c.id = d.id " +
                "JOIN webhooks w ON w.organization = d.organization AND w.id = d.webhook_id " +
                "WHERE d.status = 'pending' AND d.next_attempt_at <= $1 " +
                "ORDER BY d.next_attempt_at, d.id LIMIT $2 FOR UPDATE OF d SKIP LOCKED FOR KEY SHARE OF w SKIP LOCKED",
                r => state.LoadedDue(Delivery(r), Webhook(r, DeliveryColumnCount)),
                null, Pg.Time(now), limit, Pg.Uuids(excluded), perEndpoint);
        }
        if (needs.EndedDeliveries is var (before, most))
        {
            reads.Add(
                $"SELECT {Of("d", DeliveryColumns)} FROM webhook_deliveries d " +
                "JOIN webhooks w ON w.organization = d.organization AND w.id = d.webhook_id " +
                "WHERE d.status <> 'pending' AND d.updated_at < $1 " +
                "ORDER BY d.updated_at, d.id LIMIT $2 FOR UPDATE OF d SKIP LOCKED FOR KEY SHARE OF w SKIP LOCKED",
                r => state.LoadedEnded(Delivery(r)),
                null, Pg.Time(before), most);
        }
    }

    /// <summary>The organizations' endpoints whole (a run change queues a delivery to each that wants it), and settings: plain reads.</summary>
    private static void ReadWebhooks(BatchNeeds needs, BatchState state, Reads reads)
    {
        if (needs.WebhookLists.Count > 0)
        {
            var organizations = needs.WebhookLists.ToList();
            var found = new Dictionary<string, List<WebhookDocument>>(StringComparer.Ordinal);
            reads.Add(
                $"SELECT {WebhookColumns} FROM webhooks WHERE organization = ANY($1) ORDER BY organization, id",
                r =>
                {
                    var webhook = Webhook(r);
                    Bucket(found, webhook.Organization).Add(webhook);
                },
                () =>
                {
                    foreach (var organization in organizations)
                    {
                        state.LoadedWebhookList(organization, found.GetValueOrDefault(organization, []));
                    }
                },
                Pg.Texts(organizations));
        }
        if (needs.Settings.Count > 0)
        {
            var names = needs.Settings.ToList();
            reads.Add(
                "SELECT name, value FROM settings WHERE name = ANY($1)",
                r => state.Settings.Loaded(r.Text(0), r.Text(1)),
                () => Absent(names, name => state.Settings.IsLoaded(name), name => state.Settings.Loaded(name, null)),
                Pg.Texts(names));
        }
    }

    /// <summary>Missions read whole, then those only known to exist, by the lock asked for (the strongest per key).</summary>
    private static void LoadMissions(BatchNeeds needs, BatchState state, Reads reads)
    {
        var whole = new Dictionary<(string Organization, Guid Id), RowLock>(needs.Missions);
        foreach (var (key, hold) in needs.MissionExistence)
        {
            if (whole.TryGetValue(key, out var asked) && hold > asked)
            {
                whole[key] = hold;
            }
        }
        foreach (var hold in new[] { RowLock.Update, RowLock.Share, RowLock.None })
        {
            var keys = whole.Where(w => w.Value == hold).Select(w => w.Key).OrderBy(k => k.Organization, StringComparer.Ordinal).ThenBy(k => k.Id).ToList();
            if (keys.Count == 0)
            {
                continue;
            }
            reads.Add(
                $"SELECT {Of("m", MissionColumns)}, m.attachment_count FROM missions m JOIN unnest($1::text[], $2::uuid[]) AS k (organization, id) " +
                $"ON m.organization = k.organization AND m.id = k.id ORDER BY m.organization, m.id{Lock(hold, "m")}",
                r => state.Missions.Loaded((r.Text(0), r.GetGuid(1)), new MissionRow(Mission(r), r.GetInt32(10))),
                () => Absent(keys, key => state.Missions.IsLoaded(key), key => state.Missions.Loaded(key, null)),
                Pg.Texts(keys.Select(k => k.Organization)), Pg.Uuids(keys.Select(k => k.Id)));
        }
        LoadExistence(needs, state, reads, RowLock.Update);
        LoadExistence(needs, state, reads, RowLock.Share);
    }

    /// <summary>Missions only known to exist (not read whole by another command of the batch), held by <paramref name="hold"/>.</summary>
    private static void LoadExistence(BatchNeeds needs, BatchState state, Reads reads, RowLock hold)
    {
        var keys = needs.MissionExistence.Where(e => e.Value == hold && !needs.Missions.ContainsKey(e.Key)).Select(e => e.Key)
            .OrderBy(k => k.Organization, StringComparer.Ordinal).ThenBy(k => k.Id).ToList();
        if (keys.Count == 0)
        {
            return;
        }
        var found = new HashSet<(string, Guid)>();
        reads.Add(
            "SELECT m.organization, m.id FROM missions m JOIN unnest($1::text[], $2::uuid[]) AS k (organization, id) " +
            $"ON m.organization = k.organization AND m.id = k.id ORDER BY m.organization, m.id{Lock(hold, "m")}",
            r => found.Add((r.Text(0), r.GetGuid(1))),
            () =>
            {
                foreach (var (organization, id) in keys)
                {
                    state.LoadedMissionExists(organization, id, found.Contains((organization, id)));
                }
            },
            Pg.Texts(keys.Select(k => k.Organization)), Pg.Uuids(keys.Select(k => k.Id)));
    }

    private static string Lock(RowLock hold, string alias) => hold switch
    {
        RowLock.Update => $" FOR UPDATE OF {alias}",
        RowLock.Share => $" FOR SHARE OF {alias}",
        _ => "",
    };

    public void Write(BatchState state)
    {
        var writes = new NpgsqlBatch(_connection, _transaction);
        WriteMissions(state, writes);
        WriteRuns(state, writes);
        WriteRecords(state, writes);
        WriteAttachments(state, writes);
        WriteWebhooks(state, writes);
        WriteDeletes(state, writes);
        WriteCountersAndKeys(state, writes);
        writes.BatchCommands.Add(Pg.BatchCommand("INSERT INTO write_markers (token) VALUES ($1)", _token));
        if (_sweepMarkers)
        {
            writes.BatchCommands.Add(Pg.BatchCommand("DELETE FROM write_markers WHERE written_at < now() - interval '10 minutes'"));
        }
        WriteNotifications(state, writes);
        using (writes)
        {
            writes.ExecuteNonQuery();
        }
    }

    public void Commit() => _transaction.Commit();

    public Task<CommitOutcome> SettleAsync(Exception error) => Task.Run(() => _adapter.SettleAsync(_token, error));

    public void Dispose()
    {
        try
        {
            _transaction.Dispose(); // not committed: rolled back
        }
        catch (Exception error) when (error is NpgsqlException or InvalidOperationException)
        {
            // a broken connection: the server rolls the transaction back
        }
        _connection.Dispose();
    }

    private static void WriteMissions(BatchState state, NpgsqlBatch writes)
    {
        var changes = state.Missions.Changes.Where(c => c.After is not null).ToList();
        var inserted = changes.Where(c => c.Before is null).Select(c => c.After!).ToList();
        var updated = changes.Where(c => c.Before is not null).Select(c => c.After!).ToList();
        if (inserted.Count > 0)
        {
            writes.BatchCommands.Add(Pg.BatchCommand(
                "INSERT INTO missions (organization, id, name, description, model, instructions, execution_mode, metadata_json, created_at, updated_at, attachment_count) " +
                "SELECT * FROM unnest($1::text[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::timestamptz[], $10::timestamptz[], $11::integer[])",
                Pg.Texts(inserted.Select(m => m.Mission.Organization)), Pg.Uuids(inserted.Select(m => Guid.Parse(m.Mission.Id))),
                Pg.Texts(inserted.Select(m => m.Mission.Name)), Pg.Texts(inserted.Select(m => m.Mission.Description)), Pg.Texts(inserted.Select(m => m.Mission.Model)),
                Pg.Texts(inserted.Select(m => m.Mission.Instructions)), Pg.Texts(inserted.Select(m => m.Mission.ExecutionMode)),
                Pg.Texts(inserted.Select(m => m.Mission.MetadataJson)), Pg.Times(inserted.Select(m => (DateTime?)m.Mission.CreatedAt)),
                Pg.Times(inserted.Select(m => (DateTime?)m.Mission.UpdatedAt)), Pg.Ints(inserted.Select(m => m.AttachmentCount ?? 0))));
        }
        if (updated.Count > 0)
        {
            writes.BatchCommands.Add(Pg.BatchCommand(
                "UPDATE missions AS m SET name = u.name, description = u.description, model = u.model, instructions = u.instructions, " +
                "execution_mode = u.execution_mode, metadata_json = u.metadata_json, updated_at = u.updated_at, attachment_count = u.attachment_count " +
                "FROM unnest($1::text[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::timestamptz[], $10::integer[]) " +
                "AS u (organization, id, name, description, model, instructions, execution_mode, metadata_json, updated_at, attachment_count) " +
                "WHERE m.organization = u.organization AND m.id = u.id",
                Pg.Texts(updated.Select(m => m.Mission.Organization)), Pg.Uuids(updated.Select(m => Guid.Parse(m.Mission.Id))),
                Pg.Texts(updated.Select(m => m.Mission.Name)), Pg.Texts(updated.Select(m => m.Mission.Description)), Pg.Texts(updated.Select(m => m.Mission.Model)),
                Pg.Texts(updated.Select(m => m.Mission.Instructions)), Pg.Texts(updated.Select(m => m.Mission.ExecutionMode)),
                Pg.Texts(updated.Select(m => m.Mission.MetadataJson)), Pg.Times(updated.Select(m => (DateTime?)m.Mission.UpdatedAt)),
                Pg.Ints(updated.Select(m => m.AttachmentCount ?? 0))));
        }
    }

    private static void WriteRuns(BatchState state, NpgsqlBatch writes)
    {
        var changes = state.Runs.Changes.Where(c => c.After is not null).ToList();
        foreach (var (rows, insert) in new[] { (changes.Where(c => c.Before is null).Select(c => c.After!).ToList(), true), (changes.Where(c => c.Before is not null).Select(c => c.After!).ToList(), false) })
        {
            if (rows.Count == 0)
            {
                continue;
            }
            const string Arrays = "unnest($1::text[], $2::uuid[], $3::uuid[], $4::text[], $5::timestamptz[], $6::timestamptz[], $7::timestamptz[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::bigint[])";
            var sql = insert
                ? "INSERT INTO runs (organization, id, mission_id, status, started_at, updated_at, finished_at, input_json, metadata_json, result_summary, result_payload_json, error, change_seq) " +
                  $"SELECT * FROM {Arrays}"
                : "UPDATE runs AS r SET status = u.status, updated_at = u.updated_at, finished_at = u.finished_at, metadata_json = u.metadata_json, " +
                  "result_summary = u.result_summary, result_payload_json = u.result_payload_json, error = u.error, change_seq = u.change_seq " +
                  $"FROM {Arrays} AS u (organization, id, mission_id, status, started_at, updated_at, finished_at, input_json, metadata_json, result_summary, result_payload_json, error, change_seq) " +
                  "WHERE r.organization = u.organization AND r.id = u.id";
            writes.BatchCommands.Add(Pg.BatchCommand(sql,
                Pg.Texts(rows.Select(r => r.Run.Organization)), Pg.Uuids(rows.Select(r => Guid.Parse(r.Run.Id))), Pg.Uuids(rows.Select(r => Guid.Parse(r.Run.MissionId))),
                Pg.Texts(rows.Select(r => r.Run.Status)), Pg.Times(rows.Select(r => (DateTime?)r.Run.StartedAt)), Pg.Times(rows.Select(r => (DateTime?)r.Run.UpdatedAt)),
                Pg.Times(rows.Select(r => r.Run.FinishedAt)), Pg.Texts(rows.Select(r => r.Run.InputJson)), Pg.Texts(rows.Select(r => r.Run.MetadataJson)),
                Pg.Texts(rows.Select(r => r.Run.ResultSummary)), Pg.Texts(rows.Select(r => r.Run.ResultPayloadJson)), Pg.Texts(rows.Select(r => r.Run.Error)),
                Pg.Longs(rows.Select(r => r.ChangeNumber))));
        }
    }

    /// <summary>Steps, events, run changes and links: a run's records. Those of a run the batch deleted afterwards go with it, unwritten.</summary>
    private static void WriteRecords(BatchState state, NpgsqlBatch writes)
    {
        var steps = state.Steps.Changes.Where(c => c.After is not null && state.RunStays(c.Key.Organization, c.Key.RunId)).ToList();
        foreach (var (rows, insert) in new[] { (steps.Where(c => c.Before is null).Select(c => c.After!).ToList(), true), (steps.Where(c => c.Before is not null).Select(c => c.After!).ToList(), false) })
        {
            if (rows.Count == 0)
            {
                continue;
            }
            const string Arrays = "unnest($1::text[], $2::uuid[], $3::text[], $4::integer[], $5::uuid[], $6::text[], $7::text[], $8::text[], $9::text[], $10::timestamptz[], $11::timestamptz[])";
            var sql = insert
                ? "INSERT INTO steps (organization, run_id, step_id, sequence, created, description, status, parent_step_id, metadata_json, started_at, completed_at) " +
                  $"SELECT * FROM {Arrays}"
                : "UPDATE steps AS s SET status = u.status, metadata_json = u.metadata_json, started_at = u.started_at, completed_at = u.completed_at " +
                  $"FROM {Arrays} AS u (organization, run_id, step_id, sequence, created, description, status, parent_step_id, metadata_json, started_at, completed_at) " +
                  "WHERE s.organization = u.organization AND s.run_id = u.run_id AND s.step_id = u.step_id";
            writes.BatchCommands.Add(Pg.BatchCommand(sql,
                Pg.Texts(rows.Select(s => s.Organization)), Pg.Uuids(rows.Select(s => Guid.Parse(s.Step.RunId))), Pg.Texts(rows.Select(s => s.Step.StepId)),
                Pg.Ints(rows.Select(s => s.Step.Sequence)), Pg.Uuids(rows.Select(s => s.Created)), Pg.Texts(rows.Select(s => s.Step.Description)),
                Pg.Texts(rows.Select(s => s.Step.Status)), Pg.Texts(rows.Select(s => s.Step.ParentStepId)), Pg.Texts(rows.Select(s => s.Step.MetadataJson)),
                Pg.Times(rows.Select(s => s.Step.StartedAt)), Pg.Times(rows.Select(s => s.Step.CompletedAt))));
        }
        var events = state.NewEvents.Where(e => state.RunStays(e.Organization, Guid.Parse(e.Event.RunId))).ToList();
        if (events.Count > 0)
        {
            writes.BatchCommands.Add(Pg.BatchCommand(
                "INSERT INTO events (organization, run_id, seq, id, type, summary, occurred_at, step_id, agent_id, idempotency_key, payload_json, fingerprint) " +
                "SELECT * FROM unnest($1::text[], $2::uuid[], $3::bigint[], $4::uuid[], $5::text[], $6::text[], $7::timestamptz[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[])",
                Pg.Texts(events.Select(e => e.Organization)), Pg.Uuids(events.Select(e => Guid.Parse(e.Event.RunId))), Pg.Longs(events.Select(e => e.Event.Sequence)),
                Pg.Uuids(events.Select(e => Guid.Parse(e.Event.Id))), Pg.Texts(events.Select(e => e.Event.Type)), Pg.Texts(events.Select(e => e.Event.Summary)),
                Pg.Times(events.Select(e => (DateTime?)e.Event.Timestamp)), Pg.Texts(events.Select(e => e.Event.StepId)), Pg.Texts(events.Select(e => e.Event.AgentId)),
                Pg.Texts(events.Select(e => e.Event.IdempotencyKey)), Pg.Texts(events.Select(e => e.Event.PayloadJson)), Pg.Texts(events.Select(e => e.Fingerprint))));
        }
        // What watchers on other replicas read back: run and step changes (events they read from events).
        var changes = state.Published
            .Where(p => p.Item is RunChanged or StepChanged && state.RunStays(p.Organization, Guid.Parse(p.RunId)))
            .Select(p => (p.Organization, RunId: Guid.Parse(p.RunId), p.Number, Kind: p.Item is RunChanged ? PostgresFeed.RunChange : PostgresFeed.StepChange,
                Body: p.Item switch { RunChanged r => JsonSerializer.Serialize(r.Run), StepChanged s => JsonSerializer.Serialize(s.Step), _ => "" }))
            .ToList();
        if (changes.Count > 0)
        {
            writes.BatchCommands.Add(Pg.BatchCommand(
                "INSERT INTO run_changes (organization, run_id, seq, kind, body) SELECT * FROM unnest($1::text[], $2::uuid[], $3::bigint[], $4::text[], $5::text[])",
                Pg.Texts(changes.Select(c => c.Organization)), Pg.Uuids(changes.Select(c => c.RunId)), Pg.Longs(changes.Select(c => c.Number)),
                Pg.Texts(changes.Select(c => c.Kind)), Pg.Texts(changes.Select(c => c.Body))));
        }
        var links = state.Links.Changes.Where(c => state.RunStays(c.Key.Organization, c.Key.RunId)).ToList();
        var linked = links.Where(c => c.After is not null).ToList();
        foreach (var (rows, insert) in new[] { (linked.Where(c => c.Before is null).Select(c => c.After!).ToList(), true), (linked.Where(c => c.Before is not null).Select(c => c.After!).ToList(), false) })
        {
            if (rows.Count == 0)
            {
                continue;
            }
            const string Arrays = "unnest($1::text[], $2::uuid[], $3::text[], $4::uuid[], $5::timestamptz[])";
            var sql = insert
                ? $"INSERT INTO agent_links (organization, run_id, telnyx_agent_id, created, created_at) SELECT * FROM {Arrays}"
                : $"UPDATE agent_links AS l SET created = u.created, created_at = u.created_at FROM {Arrays} AS u (organization, run_id, telnyx_agent_id, created, created_at) " +
                  "WHERE l.organization = u.organization AND l.run_id = u.run_id AND l.telnyx_agent_id = u.telnyx_agent_id";
            writes.BatchCommands.Add(Pg.BatchCommand(sql,
                Pg.Texts(rows.Select(l => l.Organization)), Pg.Uuids(rows.Select(l => Guid.Parse(l.Link.RunId))), Pg.Texts(rows.Select(l => l.Link.TelnyxAgentId)),
                Pg.Uuids(rows.Select(l => l.Created)), Pg.Times(rows.Select(l => (DateTime?)l.Link.CreatedAt))));
        }
        var unlinked = links.Where(c => c.After is null).Select(c => c.Key).ToList();
        if (unlinked.Count > 0)
        {
            writes.BatchCommands.Add(Pg.BatchCommand(
                "DELETE FROM agent_links AS l USING unnest($1::text[], $2::uuid[], $3::text[]) AS k (organization, run_id, telnyx_agent_id) " +
                "WHERE l.organization = k.organization AND l.run_id = k.run_id AND l.telnyx_agent_id = k.telnyx_agent_id",
                Pg.Texts(unlinked.Select(k => k.Organization)), Pg.Uuids(unlinked.Select(k => k.RunId)), Pg.Texts(unlinked.Select(k => k.AgentId))));
        }
    }

    private static void WriteAttachments(BatchState state, NpgsqlBatch writes)
    {
        var changes = state.Attachments.Changes.ToList();
        var kept = changes.Where(c => c.After is not null).ToList();
        foreach (var (rows, insert) in new[] { (kept.Where(c => c.Before is null).Select(c => c.After!).ToList(), true), (kept.Where(c => c.Before is not null).Select(c => c.After!).ToList(), false) })
        {
            if (rows.Count == 0)
            {
                continue;
            }
            const string Arrays = "unnest($1::text[], $2::uuid[], $3::text[], $4::text[], $5::uuid[], $6::text[], $7::timestamptz[], $8::timestamptz[])";
            var sql = insert
                ? $"INSERT INTO attachments (organization, mission_id, kind, item_id, created, definition_json, created_at, updated_at) SELECT * FROM {Arrays}"
                : "UPDATE attachments AS a SET created = u.created, definition_json = u.definition_json, created_at = u.created_at, updated_at = u.updated_at " +
                  $"FROM {Arrays} AS u (organization, mission_id, kind, item_id, created, definition_json, created_at, updated_at) " +
                  "WHERE a.organization = u.organization AND a.mission_id = u.mission_id AND a.kind = u.kind AND a.item_id = u.item_id";
            writes.BatchCommands.Add(Pg.BatchCommand(sql,
                Pg.Texts(rows.Select(a => a.Organization)), Pg.Uuids(rows.Select(a => Guid.Parse(a.Attachment.MissionId))), Pg.Texts(rows.Select(a => a.Attachment.Kind.Key)),
                Pg.Texts(rows.Select(a => a.Attachment.ItemId)), Pg.Uuids(rows.Select(a => a.Created)), Pg.Texts(rows.Select(a => a.Attachment.DefinitionJson)),
                Pg.Times(rows.Select(a => (DateTime?)a.Attachment.CreatedAt)), Pg.Times(rows.Select(a => (DateTime?)a.Attachment.UpdatedAt))));
        }
        var removed = changes.Where(c => c.After is null).Select(c => c.Key).ToList();
        if (removed.Count > 0)
        {
            writes.BatchCommands.Add(Pg.BatchCommand(
                "DELETE FROM attachments AS a USING unnest($1::text[], $2::uuid[], $3::text[], $4::text[]) AS k (organization, mission_id, kind, item_id) " +
                "WHERE a.organization = k.organization AND a.mission_id = k.mission_id AND a.kind = k.kind AND a.item_id = k.item_id",
                Pg.Texts(removed.Select(k => k.Organization)), Pg.Uuids(removed.Select(k => k.MissionId)), Pg.Texts(removed.Select(k => k.Kind)),
                Pg.Texts(removed.Select(k => k.ItemId))));
        }
    }

    /// <summary>
    /// Endpoints and deliveries inserted and changed (an endpoint's deletes come last, <see cref="WriteDeletes"/>, and take
    /// its deliveries along: those of an endpoint the batch deletes are not written), and settings stored. A setting
    /// goes in with a plain <c>INSERT</c>: one another replica stored first fails it, and the batch runs again from its load.
    /// </summary>
    private static void WriteWebhooks(BatchState state, NpgsqlBatch writes)
    {
        var webhooks = state.Webhooks.Changes.Where(c => c.After is not null).ToList();
        foreach (var (rows, insert) in new[] { (webhooks.Where(c => c.Before is null).Select(c => c.After!).ToList(), true), (webhooks.Where(c => c.Before is not null).Select(c => c.After!).ToList(), false) })
        {
            if (rows.Count == 0)
            {
                continue;
            }
            // Each row's event types as a JSON array of encoded strings: unnest cannot take an array per row.
            const string Arrays = "unnest($1::text[], $2::uuid[], $3::text[], $4::text[], $5::uuid[], $6::text[], $7::boolean[], $8::timestamptz[], $9::timestamptz[]) " +
                "AS u (organization, id, url, event_types, mission_id, description, enabled, created_at, updated_at)";
            const string Types = "ARRAY(SELECT t.value FROM jsonb_array_elements_text(u.event_types::jsonb) WITH ORDINALITY AS t (value, n) ORDER BY t.n)";
            var sql = insert
                ? "INSERT INTO webhooks (organization, id, url, event_types, mission_id, description, enabled, created_at, updated_at) " +
                  $"SELECT u.organization, u.id, u.url, {Types}, u.mission_id, u.description, u.enabled, u.created_at, u.updated_at FROM {Arrays}"
                : $"UPDATE webhooks AS w SET url = u.url, event_types = {Types}, mission_id = u.mission_id, description = u.description, enabled = u.enabled, " +
                  $"updated_at = u.updated_at FROM {Arrays} WHERE w.organization = u.organization AND w.id = u.id";
            writes.BatchCommands.Add(Pg.BatchCommand(sql,
                Pg.Texts(rows.Select(w => w.Organization)), Pg.Uuids(rows.Select(w => Guid.Parse(w.Id))), Pg.Texts(rows.Select(w => w.Url)),
                Pg.Texts(rows.Select(w => JsonSerializer.Serialize(w.EventTypes.Select(Pg.Encode).ToArray()))),
                Pg.NullableUuids(rows.Select(w => w.MissionId is null ? (Guid?)null : Guid.Parse(w.MissionId))), Pg.Texts(rows.Select(w => w.Description)),
                Pg.Bools(rows.Select(w => w.Enabled)), Pg.Times(rows.Select(w => (DateTime?)w.CreatedAt)), Pg.Times(rows.Select(w => (DateTime?)w.UpdatedAt))));
        }
        var deliveries = state.Deliveries.Changes.Where(c => c.After is not null && state.WebhookStays(c.After.Organization, c.After.WebhookId)).ToList();
        var inserted = deliveries.Where(c => c.Before is null).Select(c => c.After!).ToList();
        if (inserted.Count > 0)
        {
            writes.BatchCommands.Add(Pg.BatchCommand(
                $"INSERT INTO webhook_deliveries ({DeliveryColumns}) SELECT * FROM unnest($1::text[], $2::uuid[], $3::uuid[], $4::uuid[], $5::text[], " +
                "$6::timestamptz[], $7::uuid[], $8::bigint[], $9::text[], $10::text[], $11::text[], $12::integer[], $13::integer[], $14::integer[], $15::text[], " +
                "$16::text[], $17::timestamptz[], $18::timestamptz[], $19::timestamptz[])",
                Pg.Texts(inserted.Select(d => d.Organization)), Pg.Uuids(inserted.Select(d => Guid.Parse(d.Id))), Pg.Uuids(inserted.Select(d => Guid.Parse(d.WebhookId))),
                Pg.Uuids(inserted.Select(d => Guid.Parse(d.EventId))), Pg.Texts(inserted.Select(d => d.EventType)), Pg.Times(inserted.Select(d => (DateTime?)d.OccurredAt)),
                Pg.NullableUuids(inserted.Select(d => d.RunId is null ? (Guid?)null : Guid.Parse(d.RunId))), Pg.Longs(inserted.Select(d => d.ChangeNumber)),
                Pg.Texts(inserted.Select(d => d.SubjectKind)), Pg.Texts(inserted.Select(d => d.SubjectJson)), Pg.Texts(inserted.Select(d => d.Status)),
                Pg.Ints(inserted.Select(d => d.Attempts)), Pg.Ints(inserted.Select(d => d.ScheduleStart)), Pg.NullableInts(inserted.Select(d => d.LastStatusCode)),
                Pg.Texts(inserted.Select(d => d.LastError)), Pg.Texts(inserted.Select(d => d.LastResponseExcerpt)), Pg.Times(inserted.Select(d => d.NextAttemptAt)),
                Pg.Times(inserted.Select(d => (DateTime?)d.CreatedAt)), Pg.Times(inserted.Select(d => (DateTime?)d.UpdatedAt))));
        }
        var updated = deliveries.Where(c => c.Before is not null).Select(c => c.After!).ToList();
        if (updated.Count > 0)
        {
            writes.BatchCommands.Add(Pg.BatchCommand(
                "UPDATE webhook_deliveries AS d SET status = u.status, attempts = u.attempts, schedule_start = u.schedule_start, last_status_code = u.last_status_code, " +
                "last_error = u.last_error, last_response_excerpt = u.last_response_excerpt, next_attempt_at = u.next_attempt_at, updated_at = u.updated_at " +
                "FROM unnest($1::text[], $2::uuid[], $3::text[], $4::integer[], $5::integer[], $6::integer[], $7::text[], $8::text[], $9::timestamptz[], $10::timestamptz[]) " +
                "AS u (organization, id, status, attempts, schedule_start, last_status_code, last_error, last_response_excerpt, next_attempt_at, updated_at) " +
                "WHERE d.organization = u.organization AND d.id = u.id",
                Pg.Texts(updated.Select(d => d.Organization)), Pg.Uuids(updated.Select(d => Guid.Parse(d.Id))), Pg.Texts(updated.Select(d => d.Status)),
                Pg.Ints(updated.Select(d => d.Attempts)), Pg.Ints(updated.Select(d => d.ScheduleStart)), Pg.NullableInts(updated.Select(d => d.LastStatusCode)),
                Pg.Texts(updated.Select(d => d.LastError)), Pg.Texts(updated.Select(d => d.LastResponseExcerpt)), Pg.Times(updated.Select(d => d.NextAttemptAt)),
                Pg.Times(updated.Select(d => (DateTime?)d.UpdatedAt))));
        }
        var settings = state.Settings.Changes.Where(c => c.After is not null).ToList();
        foreach (var (rows, insert) in new[] { (settings.Where(c => c.Before is null).ToList(), true), (settings.Where(c => c.Before is not null).ToList(), false) })
        {
            if (rows.Count > 0)
            {
                writes.BatchCommands.Add(Pg.BatchCommand(
                    insert
                        ? "INSERT INTO settings (name, value) SELECT * FROM unnest($1::text[], $2::text[])"
                        : "UPDATE settings AS s SET value = u.value FROM unnest($1::text[], $2::text[]) AS u (name, value) WHERE s.name = u.name",
                    Pg.Texts(rows.Select(c => c.Key)), Pg.Texts(rows.Select(c => c.After))));
            }
        }
    }

    /// <summary>
    /// Deliveries purged, runs, missions and endpoints deleted, last: the foreign keys' cascade takes what they hold along,
    /// this batch's rows too.
    /// </summary>
    private static void WriteDeletes(BatchState state, NpgsqlBatch writes)
    {
        foreach (var (table, keys) in new[]
        {
            ("webhook_deliveries", state.Deliveries.Changes.Where(c => c.After is null && state.WebhookStays(c.Key.Organization, c.Before!.WebhookId)).Select(c => c.Key).ToList()),
            ("runs", state.Runs.Changes.Where(c => c.After is null).Select(c => c.Key).ToList()),
            ("missions", state.Missions.Changes.Where(c => c.After is null).Select(c => c.Key).ToList()),
            ("webhooks", state.Webhooks.Changes.Where(c => c.After is null).Select(c => c.Key).ToList()),
        })
        {
            if (keys.Count > 0)
            {
                writes.BatchCommands.Add(Pg.BatchCommand(
                    $"DELETE FROM {table} AS t USING unnest($1::text[], $2::uuid[]) AS k (organization, id) WHERE t.organization = k.organization AND t.id = k.id",
                    Pg.Texts(keys.Select(k => k.Organization)), Pg.Uuids(keys.Select(k => k.Id))));
            }
        }
    }

    /// <summary>
    /// The batch's counter changes, once per counter, into one shard of each (<see cref="CounterShards"/>: chosen per batch,
    /// so that replicas committing at the same time seldom wait for each other on an organization's counters), in key order
    /// (they never deadlock on them either); a shard that reaches zero is removed. Its <c>Idempotency-Key</c> records, in
    /// key order too.
    /// </summary>
    private static void WriteCountersAndKeys(BatchState state, NpgsqlBatch writes)
    {
        var counters = state.CounterChanges.ToList();
        if (counters.Count > 0)
        {
            var keys = Pg.Texts(counters.Select(c => c.Key));
            var shard = (short)Random.Shared.Next(CounterShards);
            writes.BatchCommands.Add(Pg.BatchCommand(
                "INSERT INTO counters (key, shard, count) SELECT key, $3, count FROM unnest($1::text[], $2::bigint[]) AS c (key, count) " +
                "ON CONFLICT (key, shard) DO UPDATE SET count = counters.count + excluded.count",
                keys, Pg.Longs(counters.Select(c => (long)c.Value)), shard));
            writes.BatchCommands.Add(Pg.BatchCommand("DELETE FROM counters WHERE key = ANY($1) AND shard = $2 AND count = 0", keys, shard));
        }
        var stored = state.Keys.Changes.Where(c => c.After is not null)
            .OrderBy(c => c.Key.Organization, StringComparer.Ordinal).ThenBy(c => c.Key.Key, StringComparer.Ordinal).ToList();
        foreach (var (rows, insert) in new[] { (stored.Where(c => c.Before is null).Select(c => c.After!).ToList(), true), (stored.Where(c => c.Before is not null).Select(c => c.After!).ToList(), false) })
        {
            if (rows.Count == 0)
            {
                continue;
            }
            const string Arrays = "unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[])";
            var sql = insert
                ? $"INSERT INTO idempotency_keys (organization, key, fingerprint, result_json, expires_at) SELECT * FROM {Arrays}"
                : "UPDATE idempotency_keys AS i SET fingerprint = u.fingerprint, result_json = u.result_json, expires_at = u.expires_at " +
                  $"FROM {Arrays} AS u (organization, key, fingerprint, result_json, expires_at) WHERE i.organization = u.organization AND i.key = u.key";
            writes.BatchCommands.Add(Pg.BatchCommand(sql,
                Pg.Texts(rows.Select(k => k.Organization)), Pg.Texts(rows.Select(k => k.Key)), Pg.Texts(rows.Select(k => k.Fingerprint)),
                Pg.Texts(rows.Select(k => Encoding.UTF8.GetString(k.Result))), Pg.Times(rows.Select(k => (DateTime?)k.ExpiresAt))));
        }
        if (state.PurgedKeys is { Count: > 0 } expired)
        {
            writes.BatchCommands.Add(Pg.BatchCommand(
                "DELETE FROM idempotency_keys AS i USING unnest($1::text[], $2::text[]) AS k (organization, key) WHERE i.organization = k.organization AND i.key = k.key",
                Pg.Texts(expired.Select(k => k.Organization)), Pg.Texts(expired.Select(k => k.Key))));
        }
    }

    /// <summary>
    /// What the batch changed, for watchers on every replica, sent by the database at commit: per run, the highest change
    /// number it took (a watcher reads every change after its cursor), or that the run is gone — all in one notification
    /// (several when they exceed what one carries), not one per change.
    /// </summary>
    private void WriteNotifications(BatchState state, NpgsqlBatch writes)
    {
        var notices = state.Published
            .GroupBy(p => (p.Organization, p.RunId))
            .Select(run => run.Any(p => p.Item is RunRemoved)
                ? PostgresFeed.Notice(run.Key.Organization, run.Key.RunId, 0, PostgresFeed.Removed)
                : PostgresFeed.Notice(run.Key.Organization, run.Key.RunId, run.Max(p => p.Number), PostgresFeed.Changed));
        var payloads = PostgresFeed.Payloads(notices).ToList();
        if (payloads.Count > 0)
        {
            writes.BatchCommands.Add(Pg.BatchCommand("SELECT pg_notify($1, payload) FROM unnest($2::text[]) AS payload", _adapter.Channel, Pg.Texts(payloads)));
        }
    }

    private static void Absent<TKey>(IEnumerable<TKey> keys, Func<TKey, bool> loaded, Action<TKey> absent)
    {
        foreach (var key in keys)
        {
            if (!loaded(key))
            {
                absent(key);
            }
        }
    }

    private static List<TValue> Bucket<TKey, TValue>(Dictionary<TKey, List<TValue>> buckets, TKey key)
        where TKey : notnull
    {
        if (!buckets.TryGetValue(key, out var bucket))
        {
            buckets[key] = bucket = [];
        }
        return bucket;
    }

    /// <summary>The statements of a load, sent together (one round trip); each one's rows read by its own reader, then its completion.</summary>
    private sealed class Reads(NpgsqlConnection connection, NpgsqlTransaction transaction)
    {
        private readonly NpgsqlBatch _batch = new(connection, transaction);
        private readonly List<(Action<NpgsqlDataReader> Row, Action? Done)> _readers = [];

        public void Add(string sql, Action<NpgsqlDataReader> row, Action? done, params object?[] args)
        {
            _batch.BatchCommands.Add(Pg.BatchCommand(sql, args));
            _readers.Add((row, done));
        }

        public void Execute()
        {
            using (_batch)
            {
                if (_readers.Count == 0)
                {
                    return;
                }
                using var reader = _batch.ExecuteReader();
                foreach (var (row, done) in _readers)
                {
                    while (reader.Read())
                    {
                        row(reader);
                    }
                    done?.Invoke();
                    reader.NextResult();
                }
            }
        }
    }
}
