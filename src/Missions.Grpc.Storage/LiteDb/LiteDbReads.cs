using Missions.Grpc.Storage.Stores;

namespace Missions.Grpc.Storage.LiteDb;

/// <summary>
/// LiteDB's reads: on the open session, concurrently with the writer (<see cref="LiteDbConnection.Read{T}"/>), each
/// a completed task. Lists walk string keys of the form organization + '\u0001' + … + UUIDv7 id (so creation order);
/// totals come from counters the write pipeline keeps in the same transaction as the change.
/// </summary>
internal sealed class LiteDbReads(LiteDbConnection connection) : IStorageReads
{
    public IMissionReads Missions { get; } = new LiteDbMissionReads(connection);

    public IRunReads Runs { get; } = new LiteDbRunReads(connection);

    public IPlanReads Plans { get; } = new LiteDbPlanReads(connection);

    public IEventReads Events { get; } = new LiteDbEventReads(connection);

    public IAgentLinkReads AgentLinks { get; } = new LiteDbAgentLinkReads(connection);

    public IAttachmentReads Attachments { get; } = new LiteDbAttachmentReads(connection);

    public IWebhookReads Webhooks { get; } = new LiteDbWebhookReads(connection);

    public Task<long> CountIdempotencyKeysAsync(CancellationToken cancellationToken) =>
        connection.ReadAsync(c => (long)c.Count(Core.IdempotencyRules.Counter));
}
