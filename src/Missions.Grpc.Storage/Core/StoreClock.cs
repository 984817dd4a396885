namespace Missions.Grpc.Storage.Core;

/// <summary>
/// Time as stores keep it: UTC, millisecond precision (what every backend keeps losslessly), and moving forward per
/// record: a change stamps at least a millisecond after the value it replaces, so <c>updated_at</c> always grows.
/// </summary>
internal sealed class StoreClock(TimeProvider? time = null)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    public TimeProvider Time => _time;

    public DateTime Now()
    {
        var now = _time.GetUtcNow().UtcDateTime;
        return new DateTime(now.Ticks - (now.Ticks % TimeSpan.TicksPerMillisecond), DateTimeKind.Utc);
    }

    /// <summary>Now, or a millisecond after <paramref name="previous"/> if the clock has not moved past it.</summary>
    public DateTime Later(DateTime previous)
    {
        var now = Now();
        var floor = DateTime.SpecifyKind(previous.ToUniversalTime().AddMilliseconds(1), DateTimeKind.Utc);
        return now >= floor ? now : floor;
    }
}
