using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Missions.Grpc.Storage.Postgres;

/// <summary>
/// Watch across replicas. Every change of a run takes the run's next change number under its row lock (its commit
/// order, whatever replica wrote it) and, with the commit, a <c>NOTIFY</c> naming the run and the number. Each replica
/// <c>LISTEN</c>s on one connection; for a run someone watches here it reads what came after what it last delivered —
/// events by number from <c>events</c>, run and step changes from <c>run_changes</c> — and hands them to the run's
/// subscribers in that order, each once. A lost notification costs latency, not data: after a reconnect, and every
/// few seconds anyway, every watched run is read again from its cursor.
/// </summary>
internal sealed class PostgresFeed : IRunFeed, IAsyncDisposable
{
    public const string Removed = "removed";
    public const string RunChange = "run";
    public const string StepChange = "step";
    /// <summary>A notification's kind: the run changed, up to the number it names (events, its own and its steps' changes).</summary>
    public const string Changed = "changed";
    private const string Poll = "poll";
    private const int ReadBatch = 500;
    private static readonly TimeSpan SafetyPoll = TimeSpan.FromSeconds(5);

    private readonly NpgsqlDataSource _data;
    private readonly NpgsqlDataSource _sessions;
    private readonly string _channel;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly Dictionary<(string Organization, Guid Run), List<Watch>> _watched = [];
    private readonly Channel<Change> _notices = Channel.CreateUnbounded<Change>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _listener;
    private readonly Task _processor;

    /// <param name="data">Pooled connections, for reading what changed.</param>
    /// <param name="sessions">Connections of their own, never pooled: the one that <c>LISTEN</c>s (its session state must not reach the pool).</param>
    public PostgresFeed(NpgsqlDataSource data, NpgsqlDataSource sessions, string channel, ILogger logger)
    {
        _data = data;
        _sessions = sessions;
        _channel = channel;
        _logger = logger;
        _listener = Task.Run(ListenAsync);
        _processor = Task.Run(ProcessAsync);
    }

    /// <summary>One run's notice: organization, run, change number, kind (organizations hold no tab and no line break).</summary>
    public static string Notice(string organization, string runId, long seq, string kind) =>
        string.Join('\t', organization, runId, seq.ToString(System.Globalization.CultureInfo.InvariantCulture), kind);

    /// <summary>Most bytes a notification's payload carries (PostgreSQL's limit is 8000).</summary>
    private const int MaxPayload = 7900;

    /// <summary>Notices as notification payloads, one per line, as few payloads as fit.</summary>
    public static IEnumerable<string> Payloads(IEnumerable<string> notices)
    {
        var payload = new System.Text.StringBuilder();
        var bytes = 0;
        foreach (var notice in notices)
        {
            var size = System.Text.Encoding.UTF8.GetByteCount(notice);
            if (payload.Length > 0 && bytes + 1 + size > MaxPayload)
            {
                yield return payload.ToString();
                payload.Clear();
                bytes = 0;
            }
            bytes += (payload.Length > 0 ? 1 : 0) + size;
            payload.Append(payload.Length > 0 ? "\n" : "").Append(notice);
        }
        if (payload.Length > 0)
        {
            yield return payload.ToString();
        }
    }

    public async ValueTask<RunSubscription> SubscribeAsync(string organization, Guid runId, int capacity, CancellationToken cancellationToken = default)
    {
        var key = (organization, runId);
        var watch = new Watch { After = long.MaxValue }; // receives nothing until its cursor is known
        var subscription = new RunSubscription(capacity, _ => Remove(key, watch));
        watch.Subscription = subscription;
        lock (_gate)
        {
            _watched[key] = [.. _watched.GetValueOrDefault(key) ?? [], watch];
        }
        try
        {
            await using var connection = await _data.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            var current = await Pg.FirstAsync(connection, "SELECT change_seq FROM runs WHERE organization = $1 AND id = $2",
                r => r.GetInt64(0), cancellationToken, organization, runId).ConfigureAwait(false);
            lock (_gate)
            {
                watch.After = current;
            }
        }
        catch (Exception error)
        {
            subscription.Dispose();
            throw PostgresFaults.IsUnreachable(error) ? PostgresFaults.Unreachable(TimeSpan.FromSeconds(2)) : error;
        }
        // What committed between reading the cursor and now is read back at once.
        _notices.Writer.TryWrite(new Change(organization, runId, 0, Poll));
        return subscription;
    }

    private int _disposed;

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return; // the container disposes what its factories returned, the backend disposes it too
        }
        await _stop.CancelAsync().ConfigureAwait(false);
        _notices.Writer.TryComplete();
        await Task.WhenAll(_listener, _processor).ConfigureAwait(false);
        _stop.Dispose();
    }

    private void Remove((string, Guid) key, Watch watch)
    {
        lock (_gate)
        {
            if (_watched.TryGetValue(key, out var watches))
            {
                watches.Remove(watch);
                if (watches.Count == 0)
                {
                    _watched.Remove(key);
                }
            }
        }
    }

    private async Task ListenAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await using var connection = await _sessions.OpenConnectionAsync(_stop.Token).ConfigureAwait(false);
                connection.Notification += (_, e) =>
                {
                    foreach (var line in e.Payload.Split('\n'))
                    {
                        if (Parse(line) is { } notice)
                        {
                            _notices.Writer.TryWrite(notice);
                        }
                    }
                };
                await Pg.ExecuteAsync(connection, "LISTEN " + PostgresSchema.Identifier(_channel), _stop.Token).ConfigureAwait(false);
                PollAll(); // what was missed while not listening
                while (!_stop.IsCancellationRequested)
                {
                    if (!await connection.WaitAsync((int)SafetyPoll.TotalMilliseconds, _stop.Token).ConfigureAwait(false))
                    {
                        PollAll();
                    }
                }
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception error) when (error is not OutOfMemoryException)
            {
                PostgresLog.ListenerReconnecting(_logger, error);
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), _stop.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private void PollAll()
    {
        lock (_gate)
        {
            foreach (var (organization, run) in _watched.Keys)
            {
                _notices.Writer.TryWrite(new Change(organization, run, 0, Poll));
            }
        }
    }

    private async Task ProcessAsync()
    {
        await foreach (var notice in _notices.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            List<Watch> watches;
            lock (_gate)
            {
                if (!_watched.TryGetValue((notice.Organization, notice.Run), out var found))
                {
                    continue;
                }
                watches = [.. found];
            }
            try
            {
                if (notice.Kind == Removed)
                {
                    Offer(watches, long.MaxValue, new RunRemoved(notice.Run.ToString()));
                    continue;
                }
                await DeliverAsync(notice, watches).ConfigureAwait(false);
            }
            catch (Exception error) when (error is not OutOfMemoryException)
            {
                PostgresLog.ChangesReadFailed(_logger, error);
            }
        }
    }

    /// <summary>Reads the run's changes after the watchers' cursors and hands them over in change order.</summary>
    private async Task DeliverAsync(Change notice, List<Watch> watches)
    {
        while (true)
        {
            long after;
            lock (_gate)
            {
                after = watches.Min(w => w.After);
            }
            if (after == long.MaxValue || (notice.Kind != Poll && notice.Seq <= after))
            {
                return; // nobody ready, or already delivered
            }
            await using var connection = await _data.OpenConnectionAsync(_stop.Token).ConfigureAwait(false);
            await using var batch = new NpgsqlBatch(connection)
            {
                BatchCommands =
                {
                    Pg.BatchCommand("SELECT change_seq FROM runs WHERE organization = $1 AND id = $2", notice.Organization, notice.Run),
                    Pg.BatchCommand($"SELECT {PostgresRows.EventColumns} FROM events WHERE organization = $1 AND run_id = $2 AND seq > $3 ORDER BY seq LIMIT {ReadBatch}",
                        notice.Organization, notice.Run, after),
                    Pg.BatchCommand($"SELECT seq, kind, body FROM run_changes WHERE organization = $1 AND run_id = $2 AND seq > $3 ORDER BY seq LIMIT {ReadBatch}",
                        notice.Organization, notice.Run, after),
                },
            };
            await using var reader = await batch.ExecuteReaderAsync(_stop.Token).ConfigureAwait(false);
            var exists = await reader.ReadAsync(_stop.Token).ConfigureAwait(false);
            await reader.NextResultAsync(_stop.Token).ConfigureAwait(false);
            var events = await Pg.ReadAllAsync(reader, r => (Seq: r.GetInt64(0), Item: (RunFeedItem)new EventCommitted(PostgresRows.Event(r))), _stop.Token)
                .ConfigureAwait(false);
            await reader.NextResultAsync(_stop.Token).ConfigureAwait(false);
            var changes = await Pg.ReadAllAsync(reader, r => (Seq: r.GetInt64(0), Item: ChangeItem(r.Text(1), r.Text(2))), _stop.Token)
                .ConfigureAwait(false);
            if (!exists)
            {
                Offer(watches, long.MaxValue, new RunRemoved(notice.Run.ToString()));
                return;
            }
            // Both reads stop at the same bound only if neither filled up: deliver up to the lower full one.
            var bound = long.MaxValue;
            if (events.Count == ReadBatch)
            {
                bound = Math.Min(bound, events[^1].Seq);
            }
            if (changes.Count == ReadBatch)
            {
                bound = Math.Min(bound, changes[^1].Seq);
            }
            foreach (var (seq, item) in events.Concat(changes).Where(c => c.Seq <= bound).OrderBy(c => c.Seq))
            {
                Offer(watches, seq, item);
            }
            if (bound == long.MaxValue)
            {
                return;
            }
            notice = notice with { Kind = Poll };
        }
    }

    private void Offer(List<Watch> watches, long seq, RunFeedItem item)
    {
        lock (_gate)
        {
            foreach (var watch in watches.Where(w => seq > w.After || seq == long.MaxValue))
            {
                watch.Subscription!.Offer(item);
                if (seq != long.MaxValue)
                {
                    watch.After = seq;
                }
            }
        }
    }

    private static RunFeedItem ChangeItem(string kind, string body) => kind switch
    {
        RunChange => new RunChanged(JsonSerializer.Deserialize<RunDocument>(body)!),
        StepChange => new StepChanged(JsonSerializer.Deserialize<StepDocument>(body)!),
        _ => throw new InvalidOperationException($"Unknown run change kind '{kind}'"),
    };

    private static Change? Parse(string payload)
    {
        var parts = payload.Split('\t');
        return parts.Length == 4 && Guid.TryParse(parts[1], out var run) && long.TryParse(parts[2], out var seq)
            ? new Change(parts[0], run, seq, parts[3])
            : null;
    }

    private sealed record Change(string Organization, Guid Run, long Seq, string Kind);

    private sealed class Watch
    {
        public RunSubscription? Subscription { get; set; }

        /// <summary>The last change number handed to this subscriber.</summary>
        public long After { get; set; }
    }
}
