namespace Missions.Grpc.Storage.Writing;

/// <summary>
/// What a batch's commands decide on, declared before any of them runs, so that the backend loads (and locks) all of it
/// at once — one round trip for the whole batch on a networked database — instead of one read per command. A command
/// reads only what it declared (<see cref="RowSet{TKey, TRow}.Find"/> refuses anything else).
/// </summary>
internal sealed class BatchNeeds
{
    /// <summary>Missions read whole, each with the strongest lock any command asked for.</summary>
    public Dictionary<(string Organization, Guid Id), RowLock> Missions { get; } = [];

    /// <summary>Missions only known to exist or not (a parent, or which "not found" a missing run is), each with the strongest lock asked for.</summary>
    public Dictionary<(string Organization, Guid Id), RowLock> MissionExistence { get; } = [];

    /// <summary>Runs, held for update (every command that changes a run or its records decides on it).</summary>
    public HashSet<(string Organization, Guid Id)> Runs { get; } = [];

    /// <summary>Missions whose runs (held for update) and what those runs hold are loaded whole (a delete).</summary>
    public HashSet<(string Organization, Guid MissionId)> MissionContents { get; } = [];

    public HashSet<(string Organization, Guid RunId, string StepId)> Steps { get; } = [];

    /// <summary>Events by their idempotency key within the run.</summary>
    public HashSet<(string Organization, Guid RunId, string Key)> EventKeys { get; } = [];

    public HashSet<(string Organization, Guid RunId, string AgentId)> Links { get; } = [];

    /// <summary>How many agents a run links.</summary>
    public HashSet<(string Organization, Guid RunId)> LinkCounts { get; } = [];

    public HashSet<(string Organization, Guid MissionId, string Kind, string ItemId)> Attachments { get; } = [];

    /// <summary>How many items of a kind a mission holds.</summary>
    public HashSet<(string Organization, Guid MissionId, string Kind)> AttachmentCounts { get; } = [];

    /// <summary>Missions whose attachments are loaded whole (a clone).</summary>
    public HashSet<(string Organization, Guid MissionId)> AttachmentLists { get; } = [];

    /// <summary>Counters a command reads (every counter a command changes needs no declaration: the batch adds to it).</summary>
    public HashSet<string> Counters { get; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Organizations whose quotas the batch decides on: a backend shared by replicas holds each for the transaction
    /// (PostgreSQL: an advisory lock), so two replicas never both take an organization's last slot.
    /// </summary>
    public SortedSet<string> Organizations { get; } = new(StringComparer.Ordinal);

    /// <summary><c>Idempotency-Key</c> records, held for update: the pipeline declares the keys of its keyed commands.</summary>
    public HashSet<(string Organization, string Key)> IdempotencyKeys { get; } = [];

    /// <summary>Webhook endpoints by id.</summary>
    public HashSet<(string Organization, Guid Id)> Webhooks { get; } = [];

    /// <summary>
    /// Organizations whose webhook endpoints are loaded whole: every command that changes a run declares its
    /// organization, so that the batch writes the change's deliveries with it (<see cref="BatchState"/>).
    /// </summary>
    public SortedSet<string> WebhookLists { get; } = new(StringComparer.Ordinal);

    /// <summary>Webhook deliveries by id.</summary>
    public HashSet<(string Organization, Guid Id)> Deliveries { get; } = [];

    /// <summary>
    /// Pending deliveries due at this time, in due order, at most <c>Limit</c> (and, where a backend reads endpoint by
    /// endpoint, at most <c>PerEndpoint</c> of one endpoint), none of the <c>Excluded</c> endpoints; each with its endpoint
    /// (a claim). A backend shared by replicas locks them, skipping any another replica's claim holds.
    /// </summary>
    public (DateTime Now, int Limit, int PerEndpoint, IReadOnlyCollection<Guid> Excluded)? DueDeliveries { get; private set; }

    /// <summary>Deliveries that ended (succeeded or failed) before this time, at most this many (a purge round).</summary>
    public (DateTime Before, int Limit)? EndedDeliveries { get; private set; }

    /// <summary>Settings kept with the data, by name.</summary>
    public HashSet<string> Settings { get; } = new(StringComparer.Ordinal);

    /// <summary>Records expired before this time, at most this many (a purge round).</summary>
    public (DateTime Before, int Limit)? ExpiredKeys { get; private set; }

    /// <summary>The mission, whole.</summary>
    public void Mission(string organization, Guid id, RowLock hold) => Strongest(Missions, (organization, id), hold);

    /// <summary>Whether the mission exists (without reading it).</summary>
    public void MissionExists(string organization, Guid id, RowLock hold) => Strongest(MissionExistence, (organization, id), hold);

    /// <summary>A run (held for update), and whether its mission exists: a run not found is "Run" or "Mission" not found.</summary>
    public void Run(string organization, Guid missionId, Guid runId)
    {
        Runs.Add((organization, runId));
        MissionExists(organization, missionId, RowLock.None);
        WebhookLists.Add(organization);
    }

    /// <summary>
    /// A claim's due deliveries. Several claims in one batch load for all of them: each takes its own from what the ones
    /// before it left (the latest time, the limits added up, only the endpoints none of them wants).
    /// </summary>
    public void Due(DateTime now, int limit, int perEndpoint, IReadOnlyCollection<Guid> excluded) =>
        DueDeliveries = DueDeliveries is var (before, most, each, skipped)
            ? (now > before ? now : before, most + limit, Math.Max(each, perEndpoint), skipped.Intersect(excluded).ToList())
            : (now, limit, perEndpoint, excluded);

    /// <summary>A purge round's ended deliveries; several purges in one batch load for all of them (the latest time, the limits added up).</summary>
    public void Ended(DateTime before, int limit) =>
        EndedDeliveries = EndedDeliveries is var (latest, most) ? (before > latest ? before : latest, most + limit) : (before, limit);

    public void Expired(DateTime before, int limit) => ExpiredKeys = (before, limit);

    private static void Strongest<TKey>(Dictionary<TKey, RowLock> asked, TKey key, RowLock hold)
        where TKey : notnull =>
        asked[key] = asked.TryGetValue(key, out var already) && already > hold ? already : hold;

    /// <summary>Nothing declared: a batch of creates only, or the empty probe batch.</summary>
    public bool IsEmpty =>
        Missions.Count + MissionExistence.Count + Runs.Count + MissionContents.Count + Steps.Count + EventKeys.Count + Links.Count + LinkCounts.Count
        + Attachments.Count + AttachmentCounts.Count + AttachmentLists.Count + Counters.Count + IdempotencyKeys.Count + Organizations.Count
        + Webhooks.Count + WebhookLists.Count + Deliveries.Count + Settings.Count == 0
        && ExpiredKeys is null && DueDeliveries is null && EndedDeliveries is null;
}
