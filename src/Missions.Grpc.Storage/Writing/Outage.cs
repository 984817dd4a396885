namespace Missions.Grpc.Storage.Writing;

/// <summary>
/// A run of failures of one kind (a backend's writes, or its checkpoints): when it began, when to try again — after each
/// of <paramref name="waits"/> in turn, then the last one again — and how many writes were refused meanwhile.
/// </summary>
internal sealed class Outage(StorageFaultKind kind, string cause, IReadOnlyList<TimeSpan> waits)
{
    private readonly long _since = Environment.TickCount64;
    private long _nextAttempt;
    private int _attempts;
    private int _refused;

    public StorageFaultKind Kind => kind;

    public long NextAttempt => Volatile.Read(ref _nextAttempt);

    public bool IsDue => Environment.TickCount64 >= NextAttempt;

    public int RefusedCount => Volatile.Read(ref _refused);

    public TimeSpan Elapsed => TimeSpan.FromMilliseconds(Environment.TickCount64 - _since);

    /// <summary>Until the next attempt, in whole seconds (at least one): what Retry-After says.</summary>
    public TimeSpan RetryAfter => TimeSpan.FromSeconds(Math.Max(1, Math.Ceiling((NextAttempt - Environment.TickCount64) / 1000.0)));

    public void ScheduleNext()
    {
        var wait = waits[Math.Min(_attempts++, waits.Count - 1)];
        Volatile.Write(ref _nextAttempt, Environment.TickCount64 + (long)wait.TotalMilliseconds);
    }

    public void Refused(int count) => Interlocked.Add(ref _refused, count);

    public StorageUnavailableException Refusal(bool outcomeUnknown = false) => new(kind, RetryAfter, outcomeUnknown);

    public string Describe() => $"{StorageFaults.Describe(kind)} ({cause}) for {Elapsed.TotalSeconds:F0} s";
}
