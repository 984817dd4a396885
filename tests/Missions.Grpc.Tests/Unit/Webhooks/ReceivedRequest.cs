namespace Missions.Grpc.Tests.Unit.Webhooks;

/// <summary>A request as <see cref="LoopbackReceiver"/> saw it; header names lower-case.</summary>
internal sealed record ReceivedRequest(string Path, IReadOnlyDictionary<string, string> Headers, byte[] Body);
