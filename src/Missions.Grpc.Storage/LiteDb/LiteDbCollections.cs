using LiteDB;

namespace Missions.Grpc.Storage.LiteDb;

/// <summary>The typed collections of one open database, for reads (writes reach them through the writer's transaction).</summary>
internal sealed class LiteDbCollections(LiteDatabase db)
{
    public ILiteCollection<MissionRecord> Missions { get; } = db.GetCollection<MissionRecord>(LiteDbSchema.Missions);
    public ILiteCollection<RunRecord> Runs { get; } = db.GetCollection<RunRecord>(LiteDbSchema.Runs);
    public ILiteCollection<StepRecord> Steps { get; } = db.GetCollection<StepRecord>(LiteDbSchema.Steps);
    public ILiteCollection<EventRecord> Events { get; } = db.GetCollection<EventRecord>(LiteDbSchema.Events);
    public ILiteCollection<LinkRecord> Links { get; } = db.GetCollection<LinkRecord>(LiteDbSchema.Links);
    public ILiteCollection<AttachmentRecord> Attachments { get; } = db.GetCollection<AttachmentRecord>(LiteDbSchema.Attachments);
    public ILiteCollection<WebhookRecord> Webhooks { get; } = db.GetCollection<WebhookRecord>(LiteDbSchema.Webhooks);
    public ILiteCollection<DeliveryRecord> Deliveries { get; } = db.GetCollection<DeliveryRecord>(LiteDbSchema.Deliveries);
    public ILiteCollection<CounterRecord> Counters { get; } = db.GetCollection<CounterRecord>(LiteDbSchema.Counters);

    /// <summary>A counter's value (0 when absent).</summary>
    public int Count(string counter) => Counters.FindById(counter)?.Count ?? 0;
}
