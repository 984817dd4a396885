
namespace Missions.Grpc.Storage;

/// <summary>An event was stored.</summary>
public sealed record EventCommitted(EventDocument Event) : RunFeedItem;
