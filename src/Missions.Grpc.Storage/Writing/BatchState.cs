using Missions.Grpc.Storage.Core;

namespace Missions.Grpc.Storage.Writing;

/// <summary>
/// A write batch as its commands see it: the rows the backend loaded for the batch (<see cref="BatchNeeds"/>), changed by
/// each command in turn, so that every command decides on what the ones before it did. The changes are kept as rows, not
/// statements: what the batch writes is, per row, how it was loaded and how it was left (<see cref="RowSet{TKey, TRow}.Changes"/>),
/// plus the counters it moved, the <c>Idempotency-Key</c> records it stores and the changes its runs' watchers are told.
/// Counters and change numbers follow from the rows here, once, whatever command moved them: a command only states
/// what it inserts, changes or deletes. Everything a command does can be undone (<see cref="Undo"/>), so a command that
/// fails leaves the batch as it found it.
/// </summary>
internal sealed class BatchState
{
    private readonly Dictionary<string, int> _loadedCounters = new(StringComparer.Ordinal);
    private readonly SortedDictionary<string, int> _counterChanges = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Organization, Guid Id), bool> _missionExists = [];
    private readonly HashSet<(string Organization, Guid MissionId)> _contentsLoaded = [];
    private readonly Dictionary<(string Organization, Guid RunId), RunContents> _contents = [];
    private readonly HashSet<(string Organization, Guid MissionId)> _attachmentListsLoaded = [];
    private readonly Dictionary<(string Organization, Guid MissionId, string Kind), int> _attachmentCounts = [];
    private readonly Dictionary<(string Organization, Guid RunId), int> _linkCounts = [];
    private readonly List<EventRow> _events = [];
    private readonly List<PublishedChange> _published = [];
    private readonly HashSet<string> _webhookListsLoaded = new(StringComparer.Ordinal);
    private readonly List<(string Organization, Guid Id)> _due = [];
    private readonly List<(string Organization, Guid Id)> _ended = [];

    public BatchState(StoreClock clock, UuidV7Generator ids)
    {
        Clock = clock;
        Ids = ids;
        Missions = new("mission", Undo);
        Runs = new("run", Undo);
        Steps = new("step", Undo);
        EventsByKey = new("event idempotency key", Undo);
        Links = new("agent link", Undo);
        Attachments = new("attachment", Undo);
        Keys = new("Idempotency-Key", Undo);
        Webhooks = new("webhook", Undo);
        Deliveries = new("webhook delivery", Undo);
        Settings = new("setting", Undo);
    }

    public StoreClock Clock { get; }

    public UuidV7Generator Ids { get; }

    public UndoLog Undo { get; } = new();

    public RowSet<(string Organization, Guid Id), MissionRow> Missions { get; }

    public RowSet<(string Organization, Guid Id), RunRow> Runs { get; }

    public RowSet<(string Organization, Guid RunId, string StepId), StepRow> Steps { get; }

    /// <summary>Events by their idempotency key in the run (the ones loaded, and the ones this batch stores with a key).</summary>
    public RowSet<(string Organization, Guid RunId, string Key), EventRow> EventsByKey { get; }

    public RowSet<(string Organization, Guid RunId, string AgentId), LinkRow> Links { get; }

    public RowSet<(string Organization, Guid MissionId, string Kind, string ItemId), AttachmentRow> Attachments { get; }

    public RowSet<(string Organization, string Key), KeyRecord> Keys { get; }

    public RowSet<(string Organization, Guid Id), WebhookDocument> Webhooks { get; }

    /// <summary>Webhook deliveries: the ones loaded (by id, due, ended), and the ones the batch's changes queue.</summary>
    public RowSet<(string Organization, Guid Id), DeliveryDocument> Deliveries { get; }

    public RowSet<string, string> Settings { get; }

    /// <summary>The events the batch stores, in order.</summary>
    public IReadOnlyList<EventRow> NewEvents => _events;

    /// <summary>What the batch's runs' watchers are told once it commits, in order.</summary>
    public IReadOnlyList<PublishedChange> Published => _published;

    /// <summary>
    /// The counters' changes (non-zero), in key order (a backend that locks counter rows takes them in one order): the
    /// rows' counters, and how many <c>Idempotency-Key</c> records the batch adds or removes (<see cref="KeyCountChange"/>).
    /// </summary>
    public IEnumerable<KeyValuePair<string, int>> CounterChanges
    {
        get
        {
            var changes = new SortedDictionary<string, int>(_counterChanges, StringComparer.Ordinal);
            changes[IdempotencyRules.Counter] = changes.GetValueOrDefault(IdempotencyRules.Counter) + KeyCountChange();
            foreach (var (organization, kib) in PurgedKiB())
            {
                changes[CounterKeys.IdempotencyKeys(organization)] = changes.GetValueOrDefault(CounterKeys.IdempotencyKeys(organization)) - kib.Keys;
                changes[CounterKeys.StoredKiB(organization)] = changes.GetValueOrDefault(CounterKeys.StoredKiB(organization)) - kib.KiB;
            }
            return changes.Where(c => c.Value != 0);
        }
    }

    /// <summary>The expired records a purge round removes (loaded), and whether the batch removes them.</summary>
    public ExpiredKeys? Expired { get; private set; }

    public bool Purging { get; private set; }

    // ---- what the backend loaded ----

    public void LoadedCounter(string key, int value) => _loadedCounters[key] = value;

    public void LoadedMissionExists(string organization, Guid id, bool exists) => _missionExists[(organization, id)] = exists;

    /// <summary>Every run of the mission was loaded into <see cref="Runs"/>, each with what it holds.</summary>
    public void LoadedContents(string organization, Guid missionId, IEnumerable<(RunRow Run, RunContents Contents)> runs)
    {
        _contentsLoaded.Add((organization, missionId));
        foreach (var (run, contents) in runs)
        {
            var key = (organization, Guid.Parse(run.Run.Id));
            Runs.Loaded(key, run);
            _contents[key] = contents;
        }
    }

    /// <summary>Every attachment of the mission was loaded into <see cref="Attachments"/>.</summary>
    public void LoadedAttachmentList(string organization, Guid missionId) => _attachmentListsLoaded.Add((organization, missionId));

    public void LoadedAttachmentCount(string organization, Guid missionId, string kind, int count) => _attachmentCounts[(organization, missionId, kind)] = count;

    public void LoadedLinkCount(string organization, Guid runId, int count) => _linkCounts[(organization, runId)] = count;

    public void LoadedExpired(ExpiredKeys expired) => Expired = expired;

    /// <summary>Every webhook endpoint of the organization was loaded into <see cref="Webhooks"/>.</summary>
    public void LoadedWebhookList(string organization, IEnumerable<WebhookDocument> webhooks)
    {
        _webhookListsLoaded.Add(organization);
        foreach (var webhook in webhooks)
        {
            Webhooks.Loaded((organization, Guid.Parse(webhook.Id)), webhook);
        }
    }

    /// <summary>A due delivery (a claim), in due order; its endpoint is loaded into <see cref="Webhooks"/> with it.</summary>
    public void LoadedDue(DeliveryDocument delivery, WebhookDocument webhook)
    {
        var key = (delivery.Organization, Guid.Parse(delivery.Id));
        Deliveries.Loaded(key, delivery);
        Webhooks.Loaded((webhook.Organization, Guid.Parse(webhook.Id)), webhook);
        _due.Add(key);
    }

    /// <summary>A delivery that ended before the purge's time.</summary>
    public void LoadedEnded(DeliveryDocument delivery)
    {
        var key = (delivery.Organization, Guid.Parse(delivery.Id));
        Deliveries.Loaded(key, delivery);
        _ended.Add(key);
    }

    /// <summary>The due deliveries loaded for a claim, in due order.</summary>
    public IReadOnlyList<(string Organization, Guid Id)> Due => _due;

    /// <summary>The ended deliveries loaded for a purge.</summary>
    public IReadOnlyList<(string Organization, Guid Id)> Ended => _ended;

    // ---- counters ----

    /// <summary>A counter as the batch sees it: what was committed plus what the batch changed so far (declared in the needs).</summary>
    public int Counter(string key) =>
        (_loadedCounters.TryGetValue(key, out var stored) ? stored : throw new InvalidOperationException($"A command read counter {key} without declaring it."))
        + _counterChanges.GetValueOrDefault(key);

    /// <summary>
    /// Moves the stored KiB of a mission's own row: the organization's only. A mission's own counter holds what it holds
    /// (runs, their plans, events and links, its attachments), so that creating a mission adds no counter row.
    /// </summary>
    private void StoreOwn(string organization, int kib)
    {
        if (kib != 0)
        {
            Count(kib, [CounterKeys.StoredKiB(organization)]);
        }
    }

    /// <summary>Moves the stored KiB of the organization and of the mission that holds what changed.</summary>
    private void Store(string organization, string missionId, int kib)
    {
        if (kib != 0)
        {
            Count(kib, [CounterKeys.StoredKiB(organization), CounterKeys.StoredKiBByMission(organization, missionId)]);
        }
    }

    public void Count(int delta, IEnumerable<string> keys)
    {
        foreach (var key in keys)
        {
            _counterChanges[key] = _counterChanges.GetValueOrDefault(key) + delta;
            Undo.Record(() => _counterChanges[key] -= delta);
        }
    }

    // ---- missions ----

    public MissionRow? Mission(string organization, Guid id) => Missions.Find((organization, id));

    /// <summary>Whether the mission exists now (loaded whole, or only its existence).</summary>
    public bool MissionExists(string organization, Guid id) =>
        Missions.IsLoaded((organization, id)) ? Missions.Find((organization, id)) is not null
        : _missionExists.TryGetValue((organization, id), out var exists) ? exists
        : throw new InvalidOperationException($"A command asked whether mission {id} exists without declaring it.");

    public void InsertMission(MissionDocument mission)
    {
        Missions.Put((mission.Organization, Guid.Parse(mission.Id)), new MissionRow(mission, AttachmentCount: 0));
        Count(+1, [CounterKeys.Missions(mission.Organization)]);
        StoreOwn(mission.Organization, StoredSize.KiB(mission));
    }

    public void UpdateMission(MissionRow stored, MissionDocument updated)
    {
        Missions.Put((updated.Organization, Guid.Parse(updated.Id)), stored with { Mission = updated });
        StoreOwn(updated.Organization, StoredSize.KiB(updated) - StoredSize.KiB(stored.Mission));
    }

    /// <summary>
    /// Deletes the mission and everything it holds (loaded with <see cref="BatchNeeds.MissionContents"/>): its runs and
    /// their plans, events and links, its attachments; their counts; and ends its runs' watches. A backend's delete of a
    /// mission takes what belongs to it along (a cascade), including rows this batch inserted before it.
    /// </summary>
    public void DeleteMission(MissionRow stored)
    {
        var mission = stored.Mission;
        var id = Guid.Parse(mission.Id);
        if (!_contentsLoaded.Contains((mission.Organization, id)))
        {
            throw new InvalidOperationException($"A command deleted mission {id} without declaring its contents.");
        }
        foreach (var run in Runs.Rows.Where(r => r.Run.Organization == mission.Organization && r.Run.MissionId == mission.Id).ToList())
        {
            DeleteRun(run);
        }
        Missions.Put((mission.Organization, id), null);
        Count(-1, [CounterKeys.Missions(mission.Organization)]);
        // Its own row, and all it held (its runs and what they hold, its attachments: the mission's counter, then removed).
        var held = Counter(CounterKeys.StoredKiBByMission(mission.Organization, mission.Id));
        StoreOwn(mission.Organization, -StoredSize.KiB(mission));
        Store(mission.Organization, mission.Id, -held);
    }

    // ---- runs ----

    /// <summary>The run addressed by mission and id, or the not-found error: "Run" when its mission exists, "Mission" when not.</summary>
    public Outcome<RunRow> Run(string organization, Guid missionId, Guid runId) =>
        Runs.Find((organization, runId)) is { } row && row.Run.MissionId == missionId.ToString()
            ? row
            : Outcome<RunRow>.Fail(NotFound.RunOrMission(MissionExists(organization, missionId)));

    /// <summary>Whether the run survives the batch (records of a run the batch deleted go with it, unwritten).</summary>
    public bool RunStays(string organization, Guid runId) => !Runs.TryFind((organization, runId), out var row) || row is not null;

    public void InsertRun(RunDocument run)
    {
        Runs.Put((run.Organization, Guid.Parse(run.Id)), new RunRow(run, ChangeNumber: 0));
        Count(+1, CounterKeys.Of(run));
        Store(run.Organization, run.MissionId, StoredSize.KiB(run));
        Notify(run, 0, run.StartedAt, WebhookSubject.RunKind, () => WebhookSubject.Of(run), WebhookEventTypes.RunCreated);
    }

    /// <summary>Stores the run's new state: its counters move with its status; its watchers are told, under its next change number.</summary>
    public void UpdateRun(RunRow stored, RunDocument updated)
    {
        Count(-1, CounterKeys.Of(stored.Run));
        Count(+1, CounterKeys.Of(updated));
        Store(updated.Organization, updated.MissionId, StoredSize.KiB(updated) - StoredSize.KiB(stored.Run));
        var next = NextChange(stored with { Run = updated }, new RunChanged(updated));
        if (updated.Status != stored.Run.Status)
        {
            Notify(updated, next.ChangeNumber, updated.UpdatedAt, WebhookSubject.RunKind, () => WebhookSubject.Of(updated),
                WebhookEventTypes.RunStatusChanged, WebhookEventTypes.OutcomeOf(updated.Status));
        }
    }

    private void DeleteRun(RunRow row)
    {
        var run = row.Run;
        var key = (run.Organization, Guid.Parse(run.Id));
        Count(-1, CounterKeys.Of(run));
        // What the run holds goes with it (the backend's cascade); so do its counts, committed and this batch's alike.
        var contents = _contents.GetValueOrDefault(key) ?? new RunContents(0, []);
        var steps = contents.Steps + Steps.Changes.Count(s => s.Key.RunId == key.Item2 && s.Key.Organization == run.Organization && s.Before is null && s.After is not null);
        Count(-steps, [CounterKeys.Steps(run.Organization, run.Id)]);
        foreach (var (type, stepId, agentId, count) in contents.Events)
        {
            var grouped = new EventDocument { Id = "", RunId = run.Id, Type = type, Summary = "", Timestamp = default, StepId = stepId, AgentId = agentId };
            Count(-count, CounterKeys.Of(run.Organization, grouped));
        }
        foreach (var added in _events.Where(e => e.Organization == run.Organization && e.Event.RunId == run.Id))
        {
            Count(-1, CounterKeys.Of(run.Organization, added.Event));
        }
        Runs.Put(key, null);
        Publish(run.Organization, run.Id, 0, new RunRemoved(run.Id));
    }

    // ---- plans ----

    public StepRow? Step(string organization, Guid runId, string stepId) => Steps.Find((organization, runId, stepId));

    /// <summary>Adds steps to the run's plan (counted); each is a change of the run its watchers are told.</summary>
    public void InsertSteps(RunRow run, IEnumerable<StepDocument> steps)
    {
        var (organization, runId) = (run.Run.Organization, Guid.Parse(run.Run.Id));
        var added = 0;
        foreach (var step in steps)
        {
            Steps.Put((organization, runId, step.StepId), new StepRow(organization, step, Ids.NewId()));
            Store(organization, run.Run.MissionId, StoredSize.KiB(step));
            run = NextChange(run, new StepChanged(step));
            Notify(run.Run, run.ChangeNumber, Clock.Now(), WebhookSubject.StepKind, () => WebhookSubject.Of(step), WebhookEventTypes.PlanUpdated);
            added++;
        }
        Count(added, [CounterKeys.Steps(organization, run.Run.Id)]);
    }

    public void UpdateStep(RunRow run, StepRow stored, StepDocument updated)
    {
        Steps.Put((stored.Organization, Guid.Parse(run.Run.Id), updated.StepId), stored with { Step = updated });
        Store(stored.Organization, run.Run.MissionId, StoredSize.KiB(updated) - StoredSize.KiB(stored.Step));
        var next = NextChange(run, new StepChanged(updated));
        Notify(next.Run, next.ChangeNumber, Clock.Now(), WebhookSubject.StepKind, () => WebhookSubject.Of(updated), WebhookEventTypes.PlanUpdated);
    }

    // ---- events ----

    public EventRow? EventByKey(string organization, Guid runId, string key) => EventsByKey.Find((organization, runId, key));

    /// <summary>Stores an event under the run's next change number (its place in the run's trail), counted.</summary>
    public EventDocument InsertEvent(RunRow run, EventDocument created, string? fingerprint)
    {
        var stored = created with { Sequence = Current(run).ChangeNumber + 1 };
        var row = new EventRow(run.Run.Organization, stored, fingerprint);
        _events.Add(row);
        Undo.Record(() => _events.RemoveAt(_events.Count - 1));
        if (stored.IdempotencyKey is { } key)
        {
            EventsByKey.Put((row.Organization, Guid.Parse(stored.RunId), key), row);
        }
        Count(+1, CounterKeys.Of(row.Organization, stored));
        Store(row.Organization, run.Run.MissionId, StoredSize.KiB(stored));
        var next = NextChange(run, new EventCommitted(stored));
        Notify(next.Run, next.ChangeNumber, stored.Timestamp, WebhookSubject.EventKind, () => WebhookSubject.Of(stored), WebhookEventTypes.EventLogged);
        return stored;
    }

    // ---- agent links ----

    public LinkRow? Link(string organization, Guid runId, string agentId) => Links.Find((organization, runId, agentId));

    public int LinkCount(string organization, Guid runId) =>
        _linkCounts.TryGetValue((organization, runId), out var count) ? count : throw new InvalidOperationException($"A command counted the links of run {runId} without declaring it.");

    public void InsertLink(RunRow run, AgentLinkDocument link)
    {
        var key = (run.Run.Organization, Guid.Parse(run.Run.Id));
        Links.Put((key.Organization, key.Item2, link.TelnyxAgentId), new LinkRow(key.Organization, link, Ids.NewId()));
        MoveCount(_linkCounts, key, +1);
        Store(key.Organization, run.Run.MissionId, StoredSize.KiB(link));
    }

    public void DeleteLink(RunRow run, LinkRow stored)
    {
        var key = (stored.Organization, Guid.Parse(stored.Link.RunId));
        Links.Put((key.Organization, key.Item2, stored.Link.TelnyxAgentId), null);
        MoveCount(_linkCounts, key, -1);
        Store(key.Organization, run.Run.MissionId, -StoredSize.KiB(stored.Link));
    }

    // ---- attachments ----

    public AttachmentRow? Attachment(string organization, Guid missionId, AttachmentKind kind, string itemId) =>
        Attachments.Find((organization, missionId, kind.Key, itemId));

    public int AttachmentCount(string organization, Guid missionId, AttachmentKind kind) =>
        _attachmentCounts.TryGetValue((organization, missionId, kind.Key), out var count)
            ? count
            : throw new InvalidOperationException($"A command counted the {kind.Key}s of mission {missionId} without declaring it.");

    /// <summary>The mission's attachments (loaded whole with <see cref="BatchNeeds.AttachmentLists"/>), in creation order.</summary>
    public IReadOnlyList<AttachmentRow> AttachmentsOf(string organization, Guid missionId) =>
        _attachmentListsLoaded.Contains((organization, missionId))
            ? Attachments.Rows.Where(a => a.Organization == organization && a.Attachment.MissionId == missionId.ToString()).OrderBy(a => a.Created).ToList()
            : throw new InvalidOperationException($"A command listed the attachments of mission {missionId} without declaring it.");

    /// <summary>Adds items to the mission (the mission counts them).</summary>
    public void InsertAttachments(MissionRow mission, IReadOnlyList<AttachmentDocument> items)
    {
        var (organization, missionId) = (mission.Mission.Organization, Guid.Parse(mission.Mission.Id));
        foreach (var item in items)
        {
            Attachments.Put((organization, missionId, item.Kind.Key, item.ItemId), new AttachmentRow(organization, item, Ids.NewId()));
            Store(organization, mission.Mission.Id, StoredSize.KiB(item));
            if (_attachmentCounts.ContainsKey((organization, missionId, item.Kind.Key)))
            {
                MoveCount(_attachmentCounts, (organization, missionId, item.Kind.Key), +1);
            }
        }
        CountAttachments(mission, items.Count);
    }

    public void ReplaceAttachment(AttachmentRow stored, AttachmentDocument replaced)
    {
        Attachments.Put((stored.Organization, Guid.Parse(replaced.MissionId), replaced.Kind.Key, replaced.ItemId), stored with { Attachment = replaced });
        Store(stored.Organization, replaced.MissionId, StoredSize.KiB(replaced) - StoredSize.KiB(stored.Attachment));
    }

    public void DeleteAttachment(MissionRow mission, AttachmentRow stored)
    {
        var item = stored.Attachment;
        var missionId = Guid.Parse(item.MissionId);
        Attachments.Put((stored.Organization, missionId, item.Kind.Key, item.ItemId), null);
        Store(stored.Organization, item.MissionId, -StoredSize.KiB(item));
        if (_attachmentCounts.ContainsKey((stored.Organization, missionId, item.Kind.Key)))
        {
            MoveCount(_attachmentCounts, (stored.Organization, missionId, item.Kind.Key), -1);
        }
        CountAttachments(mission, -1);
    }

    /// <summary>The mission's own count of its items (null in files written before it was kept: it stays so).</summary>
    private void CountAttachments(MissionRow mission, int delta)
    {
        var key = (mission.Mission.Organization, Guid.Parse(mission.Mission.Id));
        var current = Missions.Find(key) ?? mission;
        if (current.AttachmentCount is { } count && delta != 0)
        {
            Missions.Put(key, current with { AttachmentCount = count + delta });
        }
    }

    // ---- Idempotency-Key records ----

    public KeyRecord? Key(string organization, string key) => Keys.Find((organization, key));

    /// <summary>
    /// Stores the record under its key (a new one, or one replacing an expired record): the organization's stored bytes
    /// and, for a new key, its count of keys follow at once (a quota decides on them).
    /// </summary>
    public void StoreKey(KeyRecord record)
    {
        var replaced = Keys.Find((record.Organization, record.Key));
        Keys.Put((record.Organization, record.Key), record);
        Count(StoredSize.KiB(record.Key, record.Fingerprint, record.Result.Length) - (replaced is null ? 0 : StoredSize.KiB(replaced.Key, replaced.Fingerprint, replaced.Result.Length)),
            [CounterKeys.StoredKiB(record.Organization)]);
        if (replaced is null)
        {
            Count(+1, [CounterKeys.IdempotencyKeys(record.Organization)]);
        }
    }

    /// <summary>Removes the expired records loaded for this batch (a key the batch stores again keeps its new record); returns how many keys they were.</summary>
    public int PurgeExpired()
    {
        if (Expired is not { } expired)
        {
            throw new InvalidOperationException("A command purged keys without declaring it.");
        }
        Purging = true;
        Undo.Record(() => Purging = false);
        return expired.Keys.Count;
    }

    /// <summary>The purged keys the batch does not store again: their records go (a key stored again keeps its new record).</summary>
    public IReadOnlyList<(string Organization, string Key)> PurgedKeys
    {
        get
        {
            if (!Purging || Expired is not { } expired)
            {
                return [];
            }
            var stored = Keys.Changes.Where(c => c.After is not null).Select(c => c.Key).ToHashSet();
            return expired.Keys.Where(k => !stored.Contains(k)).ToList();
        }
    }

    /// <summary>
    /// How many keys have a record after the batch against before it: a key stored that had none adds one (one whose
    /// expired record it replaces had one, purged or not); a purged key the batch does not store again removes one.
    /// </summary>
    /// <summary>What the purged keys the batch does not store again freed, per organization: their count and KiB.</summary>
    private Dictionary<string, (int Keys, int KiB)> PurgedKiB()
    {
        var freed = new Dictionary<string, (int Keys, int KiB)>(StringComparer.Ordinal);
        if (PurgedKeys is { Count: > 0 } purged && Expired is { } expired)
        {
            var sizes = expired.Keys.Zip(expired.KiB).ToDictionary(k => k.First, k => k.Second);
            foreach (var key in purged)
            {
                var (keys, kib) = freed.GetValueOrDefault(key.Organization);
                freed[key.Organization] = (keys + 1, kib + sizes.GetValueOrDefault(key));
            }
        }
        return freed;
    }

    private int KeyCountChange() => Keys.Changes.Count(c => c.Before is null && c.After is not null) - PurgedKeys.Count;

    // ---- webhooks ----

    public WebhookDocument? Webhook(string organization, Guid id) => Webhooks.Find((organization, id));

    public void InsertWebhook(WebhookDocument webhook)
    {
        Webhooks.Put((webhook.Organization, Guid.Parse(webhook.Id)), webhook);
        Count(+1, [CounterKeys.Webhooks(webhook.Organization)]);
    }

    public void UpdateWebhook(WebhookDocument updated) => Webhooks.Put((updated.Organization, Guid.Parse(updated.Id)), updated);

    /// <summary>
    /// Deletes the endpoint; the backend's delete takes its deliveries along (the ones this batch queued too), and their
    /// counts go with them (declared: <see cref="CounterKeys.Deliveries"/>, <see cref="CounterKeys.PendingDeliveriesOf"/>).
    /// </summary>
    public void DeleteWebhook(WebhookDocument stored)
    {
        var organization = stored.Organization;
        Webhooks.Put((organization, Guid.Parse(stored.Id)), null);
        Count(-1, [CounterKeys.Webhooks(organization)]);
        Count(-Counter(CounterKeys.Deliveries(organization, stored.Id)), [CounterKeys.Deliveries(organization, stored.Id)]);
        var pending = Counter(CounterKeys.PendingDeliveriesOf(organization, stored.Id));
        Count(-pending, [CounterKeys.PendingDeliveriesOf(organization, stored.Id), CounterKeys.PendingDeliveries(organization)]);
    }

    /// <summary>
    /// The delivery as the batch sees it; none once its endpoint is gone: the endpoint's delete took it along, also for the
    /// commands after the delete in the batch (an attempt recorded, a purge), which would otherwise count it out twice.
    /// </summary>
    public DeliveryDocument? Delivery(string organization, Guid id) =>
        Deliveries.Find((organization, id)) is { } delivery && WebhookStays(organization, delivery.WebhookId) ? delivery : null;

    /// <summary>Whether the endpoint survives the batch (the deliveries of one the batch deleted go with it, unwritten).</summary>
    public bool WebhookStays(string organization, string webhookId) =>
        !Webhooks.TryFind((organization, Guid.Parse(webhookId)), out var webhook) || webhook is not null;

    /// <summary>Whether the batch queued a delivery or made one due again (a worker waiting for them is told after the commit).</summary>
    public bool DeliveriesQueued { get; private set; }

    /// <summary>Queues a delivery (counted: the endpoint's list, and while pending, the organization's quota).</summary>
    public void InsertDelivery(DeliveryDocument delivery)
    {
        Queued();
        Deliveries.Put((delivery.Organization, Guid.Parse(delivery.Id)), delivery);
        Count(+1, [CounterKeys.Deliveries(delivery.Organization, delivery.WebhookId)]);
        CountPending(delivery, +1);
    }

    public void UpdateDelivery(DeliveryDocument stored, DeliveryDocument updated)
    {
        if (updated.Status == DeliveryStatus.Pending && updated.Attempts == stored.Attempts)
        {
            Queued(); // a retry: due now (a claim, which counts an attempt, is not)
        }
        Deliveries.Put((updated.Organization, Guid.Parse(updated.Id)), updated);
        CountPending(stored, -1);
        CountPending(updated, +1);
    }

    public void DeleteDelivery(DeliveryDocument stored)
    {
        Deliveries.Put((stored.Organization, Guid.Parse(stored.Id)), null);
        Count(-1, [CounterKeys.Deliveries(stored.Organization, stored.WebhookId)]);
        CountPending(stored, -1);
    }

    private void Queued()
    {
        if (!DeliveriesQueued)
        {
            DeliveriesQueued = true;
            Undo.Record(() => DeliveriesQueued = false);
        }
    }

    private void CountPending(DeliveryDocument delivery, int delta)
    {
        if (delivery.Status == DeliveryStatus.Pending)
        {
            Count(delta, [CounterKeys.PendingDeliveries(delivery.Organization), CounterKeys.PendingDeliveriesOf(delivery.Organization, delivery.WebhookId)]);
        }
    }

    /// <summary>
    /// A change of <paramref name="run"/> raises <paramref name="types"/> (null ones skipped): one delivery per enabled
    /// endpoint of its organization that wants each, due now, written with the change (the outbox). The subject is
    /// serialized once, and only when some endpoint wants it.
    /// </summary>
    private void Notify(RunDocument run, long changeNumber, DateTime occurredAt, string subjectKind, Func<string> subject, params string?[] types)
    {
        if (!_webhookListsLoaded.Contains(run.Organization))
        {
            throw new InvalidOperationException($"A command changed run {run.Id} without declaring its organization's webhooks.");
        }
        var endpoints = Webhooks.Rows.Where(w => w.Organization == run.Organization).OrderBy(w => w.Id, StringComparer.Ordinal).ToList();
        if (endpoints.Count == 0)
        {
            return;
        }
        string? json = null;
        var now = Clock.Now();
        foreach (var type in types.OfType<string>())
        {
            var eventId = Ids.NewId().ToString();
            foreach (var endpoint in endpoints.Where(e => e.Wants(type, run.MissionId)))
            {
                json ??= subject();
                InsertDelivery(new DeliveryDocument
                {
                    Id = Ids.NewId().ToString(),
                    Organization = run.Organization,
                    WebhookId = endpoint.Id,
                    EventId = eventId,
                    EventType = type,
                    OccurredAt = occurredAt,
                    RunId = run.Id,
                    ChangeNumber = changeNumber,
                    SubjectKind = subjectKind,
                    SubjectJson = json,
                    Status = DeliveryStatus.Pending,
                    Attempts = 0,
                    NextAttemptAt = now,
                    CreatedAt = now,
                    UpdatedAt = now,
                });
            }
        }
    }

    // ---- batches ----

    /// <summary>Forgets everything: the state of a new attempt.</summary>
    public void Clear()
    {
        _loadedCounters.Clear();
        _counterChanges.Clear();
        _missionExists.Clear();
        _contentsLoaded.Clear();
        _contents.Clear();
        _attachmentListsLoaded.Clear();
        _attachmentCounts.Clear();
        _linkCounts.Clear();
        _events.Clear();
        _published.Clear();
        Missions.Clear();
        Runs.Clear();
        Steps.Clear();
        EventsByKey.Clear();
        Links.Clear();
        Attachments.Clear();
        Keys.Clear();
        Webhooks.Clear();
        Deliveries.Clear();
        Settings.Clear();
        _webhookListsLoaded.Clear();
        DeliveriesQueued = false;
        _due.Clear();
        _ended.Clear();
        Expired = null;
        Purging = false;
        Undo.Clear();
    }

    /// <summary>The run as the batch holds it now (its change number moved by earlier changes).</summary>
    private RunRow Current(RunRow run) => Runs.Find((run.Run.Organization, Guid.Parse(run.Run.Id))) ?? run;

    /// <summary>
    /// The run after one more change: <paramref name="run"/>'s document under the next change number, stored; its watchers
    /// will be told <paramref name="item"/> under that number.
    /// </summary>
    private RunRow NextChange(RunRow run, RunFeedItem item)
    {
        var key = (run.Run.Organization, Guid.Parse(run.Run.Id));
        var next = run with { ChangeNumber = Current(run).ChangeNumber + 1 };
        Runs.Put(key, next);
        Publish(run.Run.Organization, run.Run.Id, next.ChangeNumber, item);
        return next;
    }

    private void Publish(string organization, string runId, long number, RunFeedItem item)
    {
        _published.Add(new PublishedChange(organization, runId, number, item));
        Undo.Record(() => _published.RemoveAt(_published.Count - 1));
    }

    private void MoveCount<TKey>(Dictionary<TKey, int> counts, TKey key, int delta)
        where TKey : notnull
    {
        counts[key] = counts.GetValueOrDefault(key) + delta;
        Undo.Record(() => counts[key] -= delta);
    }
}
