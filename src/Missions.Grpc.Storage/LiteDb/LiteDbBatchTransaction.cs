using LiteDB;
using Missions.Grpc.Storage.Core;
using Missions.Grpc.Storage.Writing;
using static Missions.Grpc.Storage.LiteDb.LiteDbQueries;

namespace Missions.Grpc.Storage.LiteDb;

/// <summary>
/// One attempt at a batch in one LiteDB transaction: the batch's rows read (one writer: nothing changes them meanwhile,
/// so nothing needs a lock), its changes written as documents with its counters, its <c>Idempotency-Key</c> records (one
/// document per batch) and its commit marker, then committed. A storage fault on the way closes the session and opens the
/// files again; a commit that fails is settled from the files (<see cref="LiteDbTransactionAdapter.SettleFailedCommit"/>).
/// </summary>
internal sealed class LiteDbBatchTransaction : IBatchTransaction
{
    private readonly LiteDbTransactionAdapter _adapter;
    private readonly LiteDbSession _session;
    private readonly LiteDatabase _db;
    private readonly long _sequence;
    private readonly Dictionary<string, int> _counters = new(StringComparer.Ordinal);

    /// <summary>The digests of the keys the batch loaded (each computed once).</summary>
    private readonly Dictionary<(string Organization, string Key), UInt128> _digests = [];
    private BatchState? _state;
    private Exception? _failed;
    private long _logLength;
    private bool _done;

    public LiteDbBatchTransaction(LiteDbTransactionAdapter adapter, LiteDbSession session, long sequence)
    {
        _adapter = adapter;
        _session = session;
        _db = session.Database;
        _sequence = sequence;
        _db.BeginTrans();
    }

    public void Load(BatchNeeds needs, BatchState state)
    {
        try
        {
            LoadRows(needs, state);
        }
        catch (Exception error) when (error is not OutOfMemoryException)
        {
            _failed = error;
            throw;
        }
    }

    public void Write(BatchState state)
    {
        _state = state;
        try
        {
            WriteRows(state);
            if (_session.Failure is { } early)
            {
                throw early; // a log write failed before the commit (LiteDB spills large transactions early): nothing was committed
            }
        }
        catch (Exception error) when (error is not OutOfMemoryException)
        {
            _failed = error;
            throw;
        }
    }

    public void Commit()
    {
        _logLength = _session.Log.Length; // where this commit starts appending
        _done = true; // from here on, a failure is settled from the files, never rolled back in place
        _db.Commit();
        _session.Log.WriteGathered();
        if (_session.Failure is { } failed)
        {
            throw failed;
        }
        _adapter.Committed(_db, _sequence, _counters);
    }

    public Task<CommitOutcome> SettleAsync(Exception error) =>
        Task.FromResult(_adapter.SettleFailedCommit(_session, _sequence, _logLength, _state?.Published ?? [], error));

    public void Dispose()
    {
        if (_done)
        {
            return;
        }
        _done = true;
        // Not committed: nothing of this batch is in the files. After a storage fault the engine is not trusted; the files are.
        if ((_failed is not null && LiteDbFaults.Classify(_failed) is not null) || _session.Failure is not null || !_adapter.TryRollback(_db))
        {
            _adapter.Reopen(_session);
        }
    }

    private void LoadRows(BatchNeeds needs, BatchState state)
    {
        var missions = _db.GetCollection<MissionRecord>(LiteDbSchema.Missions);
        var runs = _db.GetCollection<RunRecord>(LiteDbSchema.Runs);
        foreach (var ((organization, id), _) in needs.Missions)
        {
            state.Missions.Loaded((organization, id), FindMission(missions, organization, id) is { } m ? new MissionRow(m.ToDocument(), m.AttachmentCount) : null);
        }
        foreach (var ((organization, id), _) in needs.MissionExistence)
        {
            state.LoadedMissionExists(organization, id, FindMission(missions, organization, id) is not null);
        }
        foreach (var (organization, id) in needs.Runs)
        {
            state.Runs.Loaded((organization, id), runs.FindById(id.ToString()) is { } r && r.Organization == organization ? RunRow(r) : null);
        }
        foreach (var (organization, missionId) in needs.MissionContents)
        {
            state.LoadedContents(organization, missionId, AllOf(runs, nameof(RunRecord.MissionKey), Keys.Prefix(organization, missionId.ToString()))
                .Where(r => r.Organization == organization)
                .Select(r => (RunRow(r), Contents(r)))
                .ToList());
        }
        var steps = _db.GetCollection<StepRecord>(LiteDbSchema.Steps);
        foreach (var (organization, runId, stepId) in needs.Steps)
        {
            state.Steps.Loaded((organization, runId, stepId), steps.FindById(StepRecord.IdOf(organization, runId.ToString(), stepId)) is { } s
                ? new StepRow(organization, s.ToDocument(), Guid.Parse(s.Created))
                : null);
        }
        var events = _db.GetCollection<EventRecord>(LiteDbSchema.Events);
        foreach (var (organization, runId, key) in needs.EventKeys)
        {
            var found = events.FindOne(Equal(nameof(EventRecord.IdempotencyIndexKey), EventRecord.IdempotencyKeyOf(organization, runId.ToString(), key)));
            state.EventsByKey.Loaded((organization, runId, key), found is null ? null : new EventRow(organization, found.ToDocument(), found.Fingerprint));
        }
        var links = _db.GetCollection<LinkRecord>(LiteDbSchema.Links);
        foreach (var (organization, runId, agentId) in needs.Links)
        {
            state.Links.Loaded((organization, runId, agentId), links.FindById(LinkRecord.IdOf(organization, runId.ToString(), agentId)) is { } l
                ? new LinkRow(organization, l.ToDocument(), l.CreatedId())
                : null);
        }
        foreach (var (organization, runId) in needs.LinkCounts)
        {
            state.LoadedLinkCount(organization, runId, CountOf(links, nameof(LinkRecord.RunKey), Keys.Prefix(organization, runId.ToString())));
        }
        var attachments = _db.GetCollection<AttachmentRecord>(LiteDbSchema.Attachments);
        foreach (var (organization, missionId, kind, itemId) in needs.Attachments)
        {
            state.Attachments.Loaded((organization, missionId, kind, itemId),
                attachments.FindById(AttachmentRecord.IdOf(organization, missionId.ToString(), AttachmentKind.All.Single(k => k.Key == kind), itemId)) is { } a
                    ? new AttachmentRow(organization, a.ToDocument(), a.CreatedId())
                    : null);
        }
        foreach (var (organization, missionId, kind) in needs.AttachmentCounts)
        {
            state.LoadedAttachmentCount(organization, missionId, kind,
                CountOf(attachments, nameof(AttachmentRecord.MissionKey), Keys.Prefix(organization, missionId.ToString(), kind)));
        }
        foreach (var (organization, missionId) in needs.AttachmentLists)
        {
            foreach (var a in AllOf(attachments, nameof(AttachmentRecord.MissionKey), Keys.Prefix(organization, missionId.ToString())))
            {
                state.Attachments.Loaded((organization, missionId, a.Kind, a.ItemId), new AttachmentRow(organization, a.ToDocument(), a.CreatedId()));
            }
            state.LoadedAttachmentList(organization, missionId);
        }
        foreach (var counter in needs.Counters)
        {
            state.LoadedCounter(counter, _adapter.StoredCount(_db, counter));
        }
        foreach (var (organization, key) in needs.IdempotencyKeys)
        {
            var digest = _digests[(organization, key)] = LiteDbIdempotencyKeys.Digest(organization, key);
            var record = _adapter.IdempotencyKeys.Find(_db, digest, organization, key);
            state.Keys.Loaded((organization, key), record is { } r ? new KeyRecord(organization, key, r.Fingerprint, r.Result, r.ExpiresAt) : null);
        }
        if (needs.ExpiredKeys is var (before, limit))
        {
            var (keys, kib, documents) = _adapter.IdempotencyKeys.Expired(_db, before, limit);
            state.LoadedExpired(new ExpiredKeys(keys, kib, documents));
        }
        LoadWebhooks(needs, state);
    }

    private void LoadWebhooks(BatchNeeds needs, BatchState state)
    {
        var webhooks = _db.GetCollection<WebhookRecord>(LiteDbSchema.Webhooks);
        var deliveries = _db.GetCollection<DeliveryRecord>(LiteDbSchema.Deliveries);
        foreach (var (organization, id) in needs.Webhooks)
        {
            state.Webhooks.Loaded((organization, id), webhooks.FindById(id.ToString()) is { } w && w.Organization == organization ? w.ToDocument() : null);
        }
        foreach (var organization in needs.WebhookLists)
        {
            state.LoadedWebhookList(organization, AllOf(webhooks, nameof(WebhookRecord.OrgKey), Keys.Prefix(organization)).Select(w => w.ToDocument()));
        }
        foreach (var (organization, id) in needs.Deliveries)
        {
            state.Deliveries.Loaded((organization, id), deliveries.FindById(id.ToString()) is { } d && d.Organization == organization ? d.ToDocument() : null);
        }
        if (needs.DueDeliveries is var (now, limit, perEndpoint, excluded))
        {
            // Endpoint by endpoint — those with deliveries pending (their counters), but the ones with no free slot — each
            // endpoint's due deliveries from its own index range, at most the slots one endpoint can take: one endpoint's
            // backlog cannot hide another's deliveries (a walk in global due order meets the backlog first). Then in due
            // order, the claim's limit.
            var skip = excluded.Select(e => e.ToString()).ToHashSet(StringComparer.Ordinal);
            var due = new List<DeliveryRecord>();
            foreach (var (organization, webhookId) in LiteDbSchema.WebhooksWithPending(_db))
            {
                if (!skip.Contains(webhookId))
                {
                    due.AddRange(deliveries.Query()
                        .Where(Range(nameof(DeliveryRecord.DueKey), Keys.Prefix(organization, webhookId), Keys.Of(organization, webhookId, DeliveryRecord.TimeKey(now), "\uffff")))
                        .OrderBy(nameof(DeliveryRecord.DueKey))
                        .Limit(perEndpoint)
                        .ToList());
                }
            }
            foreach (var d in due.OrderBy(d => d.NextAttemptAt).ThenBy(d => d.Id, StringComparer.Ordinal).Take(limit))
            {
                if (webhooks.FindById(d.WebhookId) is { } webhook)
                {
                    state.LoadedDue(d.ToDocument(), webhook.ToDocument());
                }
            }
        }
        if (needs.EndedDeliveries is var (before, max))
        {
            // In creation order (ids are UUIDv7): none created at or after 'before' can have ended before it. No index of its
            // own: one more index entry on every delivery written and moved cost every run change more than this walk,
            // which runs every few minutes, costs a purge (the pending ones among the oldest are read again each round).
            foreach (var d in deliveries.Query().OrderBy("_id").ToEnumerable().TakeWhile(d => d.CreatedAt < before)
                .Where(d => d.Status != DeliveryStatus.Pending && d.UpdatedAt < before).Take(max))
            {
                state.LoadedEnded(d.ToDocument());
            }
        }
        foreach (var name in needs.Settings)
        {
            state.Settings.Loaded(name, LiteDbSchema.ReadSetting(_db, name));
        }
    }

    /// <summary>A run as the write side keeps it; files written before runs kept their change number numbered only their events.</summary>
    private RunRow RunRow(RunRecord record) =>
        new(record.ToDocument(), record.ChangeNumber ?? _adapter.StoredCount(_db, CounterKeys.RunEvents(record.Organization, record.Id)));

    private RunContents Contents(RunRecord run) => new(
        _adapter.StoredCount(_db, CounterKeys.Steps(run.Organization, run.Id)),
        AllOf(_db.GetCollection<EventRecord>(LiteDbSchema.Events), nameof(EventRecord.RunKey), Keys.Prefix(run.Organization, run.Id))
            .GroupBy(e => (e.Type, e.StepId, e.AgentId))
            .Select(g => (g.Key.Type, g.Key.StepId, g.Key.AgentId, g.Count()))
            .ToList());

    private void WriteRows(BatchState state)
    {
        var missions = _db.GetCollection<MissionRecord>(LiteDbSchema.Missions);
        var runs = _db.GetCollection<RunRecord>(LiteDbSchema.Runs);
        var steps = _db.GetCollection<StepRecord>(LiteDbSchema.Steps);
        var events = _db.GetCollection<EventRecord>(LiteDbSchema.Events);
        var links = _db.GetCollection<LinkRecord>(LiteDbSchema.Links);
        var attachments = _db.GetCollection<AttachmentRecord>(LiteDbSchema.Attachments);

        // Inserts and updates first; deletes last, so that a delete takes along what the batch added under it.
        foreach (var (_, before, after) in state.Missions.Changes)
        {
            if (after is not null)
            {
                var record = MissionRecord.From(after.Mission, after.AttachmentCount);
                Save(missions, record, insert: before is null);
            }
        }
        foreach (var (_, before, after) in state.Runs.Changes)
        {
            if (after is not null)
            {
                var record = RunRecord.From(after.Run, after.ChangeNumber);
                Save(runs, record, insert: before is null);
            }
        }
        foreach (var ((organization, runId, _), before, after) in state.Steps.Changes)
        {
            if (after is not null && MissionOf(state, organization, runId) is { } missionId)
            {
                var record = StepRecord.From(after.Step, organization, missionId, after.Created.ToString());
                Save(steps, record, insert: before is null);
            }
        }
        foreach (var e in state.NewEvents)
        {
            if (MissionOf(state, e.Organization, Guid.Parse(e.Event.RunId)) is { } missionId)
            {
                events.Insert(EventRecord.From(e.Event, e.Organization, missionId, e.Fingerprint));
            }
        }
        foreach (var ((organization, runId, agentId), before, after) in state.Links.Changes)
        {
            if (after is null)
            {
                links.Delete(LinkRecord.IdOf(organization, runId.ToString(), agentId));
                continue;
            }
            if (MissionOf(state, organization, runId) is not { } missionId)
            {
                continue;
            }
            var record = new LinkRecord
            {
                Id = LinkRecord.IdOf(organization, after.Link.RunId, agentId),
                Organization = organization,
                MissionId = missionId,
                RunId = after.Link.RunId,
                TelnyxAgentId = agentId,
                CreatedAt = after.Link.CreatedAt,
                RunKey = Keys.Of(organization, after.Link.RunId, after.Created.ToString()),
            };
            Save(links, record, insert: before is null);
        }
        foreach (var ((organization, missionId, kind, itemId), before, after) in state.Attachments.Changes)
        {
            if (after is null)
            {
                attachments.Delete(AttachmentRecord.IdOf(organization, missionId.ToString(), AttachmentKind.All.Single(k => k.Key == kind), itemId));
                continue;
            }
            var item = after.Attachment;
            var record = new AttachmentRecord
            {
                Id = AttachmentRecord.IdOf(organization, item.MissionId, item.Kind, item.ItemId),
                Organization = organization,
                MissionId = item.MissionId,
                Kind = item.Kind.Key,
                ItemId = item.ItemId,
                DefinitionJson = item.DefinitionJson,
                CreatedAt = item.CreatedAt,
                UpdatedAt = item.UpdatedAt,
                MissionKey = Keys.Of(organization, item.MissionId, item.Kind.Key, after.Created.ToString()),
            };
            Save(attachments, record, insert: before is null);
        }
        WriteWebhooks(state);
        foreach (var ((organization, id), _, after) in state.Runs.Changes)
        {
            if (after is null)
            {
                DeleteRun(organization, id.ToString());
            }
        }
        foreach (var ((organization, id), _, after) in state.Missions.Changes)
        {
            if (after is null)
            {
                // The mission's runs (any this batch added under it too) and attachments go with it.
                foreach (var run in AllOf(runs, nameof(RunRecord.MissionKey), Keys.Prefix(organization, id.ToString())))
                {
                    DeleteRun(organization, run.Id);
                }
                attachments.DeleteMany(StartingWith(nameof(AttachmentRecord.MissionKey), Keys.Prefix(organization, id.ToString())));
                missions.Delete(id.ToString());
            }
        }

        foreach (var (_, _, after) in state.Keys.Changes)
        {
            if (after is not null)
            {
                var digest = _digests.TryGetValue((after.Organization, after.Key), out var loaded) ? loaded : LiteDbIdempotencyKeys.Digest(after.Organization, after.Key);
                _adapter.IdempotencyKeys.Add(digest, after.Organization, after.Key,
                    new LiteDbIdempotencyKeys.Record(after.Fingerprint, after.Result, after.ExpiresAt));
            }
        }
        _adapter.IdempotencyKeys.Flush(_db);
        if (state.Purging && state.Expired is { Handle: IReadOnlyList<long> documents })
        {
            _adapter.IdempotencyKeys.Delete(_db, documents);
        }
        WriteCounters(state);
        LiteDbSchema.WriteCommitSequence(_db, _sequence);
    }

    /// <summary>Endpoints, deliveries and settings; an endpoint's delete (last) takes its deliveries along, this batch's too.</summary>
    private void WriteWebhooks(BatchState state)
    {
        var webhooks = _db.GetCollection<WebhookRecord>(LiteDbSchema.Webhooks);
        var deliveries = _db.GetCollection<DeliveryRecord>(LiteDbSchema.Deliveries);
        foreach (var (_, before, after) in state.Webhooks.Changes)
        {
            if (after is not null)
            {
                Save(webhooks, WebhookRecord.From(after), insert: before is null);
            }
        }
        foreach (var ((_, id), before, after) in state.Deliveries.Changes)
        {
            if (after is not null)
            {
                Save(deliveries, DeliveryRecord.From(after), insert: before is null);
            }
            else
            {
                deliveries.Delete(id.ToString());
            }
        }
        foreach (var ((organization, id), _, after) in state.Webhooks.Changes)
        {
            if (after is null)
            {
                deliveries.DeleteMany(StartingWith(nameof(DeliveryRecord.WebhookKey), Keys.Prefix(organization, id.ToString())));
                webhooks.Delete(id.ToString());
            }
        }
        foreach (var (name, _, after) in state.Settings.Changes)
        {
            if (after is not null)
            {
                LiteDbSchema.WriteSetting(_db, name, after);
            }
        }
    }

    /// <summary>
    /// The mission of a run the batch changed something of (every such command loads the run); null when the batch deleted
    /// the run afterwards, which takes along what it added under it (and counted it out).
    /// </summary>
    private static string? MissionOf(BatchState state, string organization, Guid runId) => state.Runs.Find((organization, runId))?.Run.MissionId;

    private static void Save<T>(ILiteCollection<T> collection, T record, bool insert)
    {
        if (insert)
        {
            collection.Insert(record);
        }
        else
        {
            collection.Update(record);
        }
    }

    /// <summary>A run and what it holds: its plan, events and links.</summary>
    private void DeleteRun(string organization, string runId)
    {
        var prefix = Keys.Prefix(organization, runId);
        _db.GetCollection<StepRecord>(LiteDbSchema.Steps).DeleteMany(StartingWith(nameof(StepRecord.PlanKey), prefix));
        _db.GetCollection<EventRecord>(LiteDbSchema.Events).DeleteMany(StartingWith(nameof(EventRecord.RunKey), prefix));
        _db.GetCollection<LinkRecord>(LiteDbSchema.Links).DeleteMany(StartingWith(nameof(LinkRecord.RunKey), prefix));
        _db.GetCollection<RunRecord>(LiteDbSchema.Runs).Delete(runId);
    }

    /// <summary>The batch's counter changes, once per counter; a counter that reaches zero is removed.</summary>
    private void WriteCounters(BatchState state)
    {
        var counters = _db.GetCollection<CounterRecord>(LiteDbSchema.Counters);
        foreach (var (key, delta) in state.CounterChanges)
        {
            var count = _adapter.StoredCount(_db, key) + delta;
            if (count == 0)
            {
                counters.Delete(key);
            }
            else
            {
                counters.Upsert(new CounterRecord { Id = key, Count = count });
            }
            _counters[key] = count;
        }
    }
}
