namespace Missions.Grpc.Storage.Stores;

/// <summary>
/// A backend's reads, per resource: everything a store answers without writing. Writes are not a backend's: they are
/// commands of the one write pipeline, which a backend serves with a transaction adapter.
/// </summary>
internal interface IStorageReads
{
    IMissionReads Missions { get; }

    IRunReads Runs { get; }

    IPlanReads Plans { get; }

    IEventReads Events { get; }

    IAgentLinkReads AgentLinks { get; }

    IAttachmentReads Attachments { get; }

    IWebhookReads Webhooks { get; }

    /// <summary>How many <c>Idempotency-Key</c> records are stored (expired ones not yet purged included).</summary>
    Task<long> CountIdempotencyKeysAsync(CancellationToken cancellationToken);
}
