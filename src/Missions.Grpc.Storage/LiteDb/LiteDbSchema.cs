using LiteDB;
using Missions.Grpc.Storage.Core;

namespace Missions.Grpc.Storage.LiteDb;

/// <summary>
/// The database's layout in one place: collection names, indexes, the document mapping, and the writer's
/// commit marker. A new file gets its collections and indexes at first start; an existing one is not written.
/// </summary>
internal static class LiteDbSchema
{
    public const string Missions = "missions";
    public const string Runs = "runs";
    public const string Steps = "steps";
    public const string Events = "events";
    public const string Links = "agent_links";
    public const string Attachments = "attachments";
    public const string IdempotencyKeyBatches = "idempotency_key_batches";
    public const string Webhooks = "webhooks";
    public const string Deliveries = "webhook_deliveries";

    /// <summary>Values kept with the data (the webhook signing key), by name.</summary>
    public const string Settings = "settings";

    /// <summary>Counters the writer keeps beside the data (list totals), and the commit marker.</summary>
    public const string Counters = "counters";

    /// <summary>Id of the commit marker in <see cref="Counters"/>; counter ids always hold a separator, so none is equal to it.</summary>
    private const string CommitMarkerId = "writer-commit";

    /// <summary>
    /// Turns off LiteDB's automatic checkpoint (kept in the file header: the writer checkpoints between batches,
    /// never inside a commit) and creates what a new file lacks. Writes nothing when all of it is in place.
    /// </summary>
    public static void Prepare(LiteDatabase db)
    {
        if (db.CheckpointSize != 0)
        {
            db.CheckpointSize = 0;
        }
        db.GetCollection<MissionRecord>(Missions).EnsureIndex(x => x.OrgKey, unique: true);

        var runs = db.GetCollection<RunRecord>(Runs);
        runs.EnsureIndex(x => x.OrgKey, unique: true);
        runs.EnsureIndex(x => x.MissionKey, unique: true);
        runs.EnsureIndex(x => x.OrgStatusKey, unique: true);
        runs.EnsureIndex(x => x.MissionStatusKey, unique: true);

        db.GetCollection<StepRecord>(Steps).EnsureIndex(x => x.PlanKey, unique: true);

        var events = db.GetCollection<EventRecord>(Events);
        events.EnsureIndex(x => x.OrgKey, unique: true);
        events.EnsureIndex(x => x.OrgTypeKey, unique: true);
        events.EnsureIndex(x => x.RunKey, unique: true);
        events.EnsureIndex(x => x.RunTypeKey, unique: true);
        events.EnsureIndex(x => x.RunStepKey);
        events.EnsureIndex(x => x.RunAgentKey);
        events.EnsureIndex(x => x.IdempotencyIndexKey);

        db.GetCollection<LinkRecord>(Links).EnsureIndex(x => x.RunKey, unique: true);
        db.GetCollection<AttachmentRecord>(Attachments).EnsureIndex(x => x.MissionKey, unique: true);
        LiteDbIdempotencyKeys.EnsureSchema(db);

        db.GetCollection<WebhookRecord>(Webhooks).EnsureIndex(x => x.OrgKey, unique: true);
        var deliveries = db.GetCollection<DeliveryRecord>(Deliveries);
        deliveries.EnsureIndex(x => x.WebhookKey, unique: true);
        deliveries.EnsureIndex(x => x.DueKey);
    }

    /// <summary>
    /// The endpoints with deliveries pending, as (organization, endpoint id): the pipeline keeps a counter per endpoint
    /// while it has any (<see cref="CounterKeys.PendingDeliveriesOf"/>), so this reads one index range of the counters.
    /// </summary>
    public static IEnumerable<(string Organization, string WebhookId)> WebhooksWithPending(LiteDatabase db)
    {
        var prefix = CounterKeys.PendingDeliveriesOf("", "")[..^1]; // "webhook-pending-by-webhook" and its separator
        foreach (var counter in db.GetCollection<CounterRecord>(Counters).Find(LiteDbQueries.StartingWith("_id", prefix)))
        {
            var parts = counter.Id.Split(Keys.Separator);
            if (parts.Length == 3 && counter.Count > 0)
            {
                yield return (parts[1], parts[2]);
            }
        }
    }

    /// <summary>A setting kept with the data (null: none).</summary>
    public static string? ReadSetting(LiteDatabase db, string name) => db.GetCollection(Settings).FindById(name)?["Value"].AsString;

    public static void WriteSetting(LiteDatabase db, string name, string value) =>
        db.GetCollection(Settings).Upsert(new BsonDocument { ["_id"] = name, ["Value"] = value });

    /// <summary>
    /// The sequence number of the last committed writer batch. Every batch writes its number in its own
    /// transaction, so after a commit that failed, reading the files back tells whether that batch is in them.
    /// </summary>
    public static long ReadCommitSequence(LiteDatabase db) =>
        db.GetCollection(Counters).FindById(CommitMarkerId)?["Sequence"].AsInt64 ?? 0;

    /// <summary>Records <paramref name="sequence"/> as committed, inside the batch's transaction.</summary>
    public static void WriteCommitSequence(LiteDatabase db, long sequence) =>
        db.GetCollection(Counters).Upsert(new BsonDocument { ["_id"] = CommitMarkerId, ["Sequence"] = sequence });

    /// <summary>
    /// How records (<see cref="MissionRecord"/> and its siblings: mutable classes for the mapper, index keys derived from
    /// their fields) map to documents: explicit ids, nulls and whitespace kept as they are. Field names are the file
    /// format: existing databases keep working, so none is renamed.
    /// </summary>
    public static BsonMapper CreateMapper()
    {
        var mapper = new BsonMapper { SerializeNullValues = false, TrimWhitespace = false, EmptyStringToNull = false };
        mapper.Entity<MissionRecord>().Id(x => x.Id, autoId: false);
        mapper.Entity<RunRecord>().Id(x => x.Id, autoId: false);
        mapper.Entity<StepRecord>().Id(x => x.Id, autoId: false);
        mapper.Entity<EventRecord>().Id(x => x.Id, autoId: false);
        mapper.Entity<LinkRecord>().Id(x => x.Id, autoId: false);
        mapper.Entity<AttachmentRecord>().Id(x => x.Id, autoId: false);
        mapper.Entity<CounterRecord>().Id(x => x.Id, autoId: false);
        mapper.Entity<WebhookRecord>().Id(x => x.Id, autoId: false);
        mapper.Entity<DeliveryRecord>().Id(x => x.Id, autoId: false);
        return mapper;
    }
}
