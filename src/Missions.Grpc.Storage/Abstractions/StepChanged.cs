
namespace Missions.Grpc.Storage;

/// <summary>A plan step was created or changed.</summary>
public sealed record StepChanged(StepDocument Step) : RunFeedItem;
