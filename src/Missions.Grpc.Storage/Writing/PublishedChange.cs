namespace Missions.Grpc.Storage.Writing;

/// <summary>
/// Something a batch changed in a run, for its watchers: what it is, and the run's change number it took (its place in the
/// run's commit order; 0 for a run's removal, which ends every watch).
/// </summary>
internal sealed record PublishedChange(string Organization, string RunId, long Number, RunFeedItem Item);
