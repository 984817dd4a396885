using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.Options;

namespace Missions.Grpc.Auth;

/// <summary>
/// Failed authentications per client address, in windows of a minute from an address's first failure. Past
/// <see cref="AuthOptions.MaxFailedAttemptsPerMinute"/> in a window, the address's credentialed requests are refused
/// (429 / RESOURCE_EXHAUSTED with <c>Retry-After</c>) before any key work until the window ends. Each window is reported
/// once, when it has ended, as one Warning line (the failures and refusals it saw) instead of a line per request. Windows
/// that ended are dropped, so memory is bounded by the addresses that failed within the last minute.
/// </summary>
internal sealed class FailedAuthentications(IOptionsMonitor<AuthOptions> options, ILogger<FailedAuthentications> logger, TimeProvider? time = null)
{
    /// <summary>The <see cref="HttpContext.Items"/> key of a request this summary stands for (no line of its own).</summary>
    public static readonly object Summarized = new();

    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<IPAddress, Tally> _tallies = new();
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private long _nextSweep;

    /// <summary>Whether <paramref name="address"/> is refused now; if so, when its window ends.</summary>
    public bool IsThrottled(IPAddress? address, out TimeSpan retryAfter)
    {
        var now = Sweep();
        retryAfter = default;
        if (!_tallies.TryGetValue(address ?? IPAddress.None, out var tally))
        {
            return false;
        }
        lock (tally)
        {
            if (now >= tally.Ends || tally.Failures < options.CurrentValue.MaxFailedAttemptsPerMinute)
            {
                return false;
            }
            tally.Refused++;
            retryAfter = tally.Ends - now;
            return true;
        }
    }

    /// <summary>Counts a failed authentication from <paramref name="address"/>.</summary>
    public void Failed(IPAddress? address)
    {
        var now = Sweep();
        var tally = _tallies.GetOrAdd(address ?? IPAddress.None, static (_, now) => new Tally(now + Window), now);
        lock (tally)
        {
            tally.Failures++;
        }
    }

    /// <summary>Reports and drops the windows that ended (at most once a second); the time now.</summary>
    private DateTimeOffset Sweep()
    {
        var now = _time.GetUtcNow();
        var due = Interlocked.Read(ref _nextSweep);
        if (now.UtcTicks < due || Interlocked.CompareExchange(ref _nextSweep, now.UtcTicks + TimeSpan.TicksPerSecond, due) != due)
        {
            return now;
        }
        foreach (var (address, tally) in _tallies)
        {
            if (now >= tally.Ends && _tallies.TryRemove(new KeyValuePair<IPAddress, Tally>(address, tally)))
            {
                lock (tally)
                {
                    AuthLog.FailedAuthentications(logger, tally.Failures, address, tally.Refused, options.CurrentValue.MaxFailedAttemptsPerMinute);
                }
            }
        }
        return now;
    }

    private sealed class Tally(DateTimeOffset ends)
    {
        public DateTimeOffset Ends { get; } = ends;

        public int Failures { get; set; }

        public int Refused { get; set; }
    }
}
