
namespace Missions.Grpc.Storage;

/// <summary>
/// Live changes of runs as they are committed. A store publishes in commit order; subscribers read from a
/// bounded buffer, so a slow reader costs at most its buffer: when it is full the subscription ends with
/// <see cref="RunSubscription.Overflowed"/> set, and the reader resumes from its last cursor.
/// </summary>
public interface IRunFeed
{
    /// <summary>
    /// Starts buffering the run's changes committed from now on; dispose the subscription to stop. Completes once the
    /// subscription is in place (a networked backend reads where the run's changes stand).
    /// </summary>
    ValueTask<RunSubscription> SubscribeAsync(string organization, Guid runId, int capacity, CancellationToken cancellationToken = default);
}
