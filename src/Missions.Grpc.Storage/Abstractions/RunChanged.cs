
namespace Missions.Grpc.Storage;

/// <summary>The run changed (status or fields).</summary>
public sealed record RunChanged(RunDocument Run) : RunFeedItem;
