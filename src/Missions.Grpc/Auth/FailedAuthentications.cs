using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.Options;

namespace Missions.Grpc.Auth;

/// <summary>
/// Failed authentications per client address, in windows of a minute from an address's first failure. Past
/// <see cref="AuthOptions.MaxFailedAttemptsPerMinute"/> in a window, the address's credentialed requests are refused
/// (429 / RESOURCE_EXHAUSTED with <c>Retry-After</c>) before any key work until the window ends. Each window is reported
/// once, within a second of its end (a timer: also when the address sent nothing since), as one Warning line (the
/// failures and refusals it saw) instead of a line per request. Windows that ended are dropped, so memory is bounded by
/// the addresses that failed within the last minute.
/// </summary>
internal sealed class FailedAuthentications : IDisposable
{
    /// <summary>The <see cref="HttpContext.Items"/> key of a request this summary stands for (no line of its own).</summary>
    public static readonly object Summarized = new();

    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<IPAddress, Tally> _tallies = new();
    private readonly IOptionsMonitor<AuthOptions> _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly ITimer _sweeps;

    public FailedAuthentications(IOptionsMonitor<AuthOptions> options, ILogger<FailedAuthentications> logger, TimeProvider? time = null)
    {
        _options = options;
        _logger = logger;
        _time = time ?? TimeProvider.System;
        _sweeps = _time.CreateTimer(static state => ((FailedAuthentications)state!).Sweep(), this, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
    }

    /// <summary>Whether <paramref name="address"/> is refused now; if so, when its window ends.</summary>
    public bool IsThrottled(IPAddress? address, out TimeSpan retryAfter)
    {
        var now = _time.GetUtcNow();
        retryAfter = default;
        if (!_tallies.TryGetValue(address ?? IPAddress.None, out var tally))
        {
            return false;
        }
        lock (tally)
        {
            if (now >= tally.Ends || tally.Failures < _options.CurrentValue.MaxFailedAttemptsPerMinute)
            {
                return false;
            }
            tally.Refused++;
            retryAfter = tally.Ends - now;
            return true;
        }
    }

    /// <summary>Counts a failed authentication from <paramref name="address"/> (in a new window once its last one ended).</summary>
    public void Failed(IPAddress? address)
    {
        var now = _time.GetUtcNow();
        while (true)
        {
            var tally = _tallies.GetOrAdd(address ?? IPAddress.None, static (_, now) => new Tally(now + Window), now);
            lock (tally)
            {
                if (now < tally.Ends)
                {
                    tally.Failures++;
                    return;
                }
            }
            Retire(address ?? IPAddress.None, tally); // ended, not yet swept: reported now, and a new window begins
        }
    }

    public void Dispose() => _sweeps.Dispose();

    /// <summary>Reports and drops the windows that ended.</summary>
    private void Sweep()
    {
        var now = _time.GetUtcNow();
        foreach (var (address, tally) in _tallies)
        {
            if (now >= tally.Ends)
            {
                Retire(address, tally);
            }
        }
    }

    private void Retire(IPAddress address, Tally tally)
    {
        if (_tallies.TryRemove(new KeyValuePair<IPAddress, Tally>(address, tally)))
        {
            lock (tally)
            {
                AuthLog.FailedAuthentications(_logger, tally.Failures, address, tally.Refused, _options.CurrentValue.MaxFailedAttemptsPerMinute);
            }
        }
    }

    private sealed class Tally(DateTimeOffset ends)
    {
        public DateTimeOffset Ends { get; } = ends;

        public int Failures { get; set; }

        public int Refused { get; set; }
    }
}
