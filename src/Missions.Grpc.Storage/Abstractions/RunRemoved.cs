
namespace Missions.Grpc.Storage;

/// <summary>The run no longer exists (its mission was deleted).</summary>
public sealed record RunRemoved(string RunId) : RunFeedItem;
