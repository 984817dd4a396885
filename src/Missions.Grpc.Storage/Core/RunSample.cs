namespace Missions.Grpc.Storage.Core;

/// <summary>What statistics read of a run: its status and its times (UTC).</summary>
internal readonly record struct RunSample(string Status, DateTime StartedAt, DateTime? FinishedAt);
