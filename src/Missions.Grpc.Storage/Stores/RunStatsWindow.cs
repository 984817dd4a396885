using Missions.Grpc.Storage.Core;

namespace Missions.Grpc.Storage.Stores;

/// <summary>What a backend reads for mission statistics: the mission's run total (its counter) and its newest runs, newest first.</summary>
internal sealed record RunStatsWindow(long TotalRuns, IReadOnlyList<RunSample> Runs);
