using System.Diagnostics.Metrics;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Missions.Grpc.Storage.Core;
using Missions.Grpc.Storage.Stores;
using Missions.Grpc.Storage.Writing;
using Npgsql;

namespace Missions.Grpc.Storage.Postgres;

/// <summary>
/// The PostgreSQL backend, for deployments that outgrow one machine: any number of stateless replicas share one
/// database. Writes go through the one write pipeline (<see cref="WritePipeline"/>), served here by
/// <see cref="PostgresTransactionAdapter"/> — a batch in a constant number of round trips, its decisions taken under row
/// locks, so replicas never both win a race; reads are one prepared statement each (<see cref="PostgresReads"/>); the
/// watch feed crosses replicas through <c>LISTEN/NOTIFY</c> (<see cref="PostgresFeed"/>).
/// <para>
/// Two data sources. The pooled one (reads and writes) prepares what it runs (<c>Max Auto Prepare</c>) and hands
/// connections back without a reset (<c>No Reset On Close</c>): Npgsql's reset would send <c>DISCARD ALL</c> — or, once
/// statements are prepared, its parts but the <c>DEALLOCATE</c> — ahead of every request's first statement, and
/// <c>DISCARD ALL</c> throws the prepared statements away. It is safe because nothing here leaves session state on a
/// pooled connection: no <c>SET</c>, no temporary tables, no cursors, no advisory locks, no <c>LISTEN</c>, and every
/// transaction ends (committed, or rolled back when disposed) before the connection returns. Whatever does keep session
/// state — the <c>LISTEN</c>ing connection, the migrations' advisory lock — uses the second source, which never pools.
/// </para>
/// </summary>
internal sealed partial class PostgresBackend : StorageBackend
{
    /// <summary>Statements a pooled connection keeps prepared (the service has well under a hundred distinct ones).</summary>
    private const int MaxAutoPrepare = 256;

    /// <summary>
    /// Write attempts during an outage: at once (a cut connection is often just that: the next one works), then after
    /// ½ s, 1 s, and every 2 s — a database that restarts answers again within seconds.
    /// </summary>
    private static readonly TimeSpan[] RetryWaits = [TimeSpan.Zero, TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2)];

    private readonly int _maxBatchSize;
    private readonly QuotaOptions _quotas;
    private readonly string _channel;
    private readonly ILogger _logger;
    private PostgresFeed? _feed;

    /// <summary>Reads the settings and creates the data sources (which connect when first used).</summary>
    public PostgresBackend(IOptions<StorageOptions> options, ILogger<PostgresBackend> logger, TimeProvider? time = null, IMeterFactory? meters = null)
        : base(time, meters)
    {
        var settings = options.Value.Postgres;
        var pooled = new NpgsqlConnectionStringBuilder(settings.ConnectionString);
        // What the operator's connection string leaves out (NpgsqlConnectionStringBuilder answers ContainsKey for every
        // keyword it knows, set or not: what was given is read off a plain builder).
        var given = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = settings.ConnectionString };
        bool Given(params string[] keywords) => keywords.Any(given.ContainsKey);
        if (!Given("Timeout", "Connect Timeout", "ConnectTimeout"))
        {
            pooled.Timeout = 5; // an unreachable server answers 503 within seconds, not after the 15 s default
        }
        var sessions = new NpgsqlConnectionStringBuilder(pooled.ConnectionString) { Pooling = false };
        if (!Given("Max Auto Prepare", "MaxAutoPrepare"))
        {
            pooled.MaxAutoPrepare = MaxAutoPrepare;
        }
        if (!Given("Auto Prepare Min Usages", "AutoPrepareMinUsages"))
        {
            pooled.AutoPrepareMinUsages = 2;
        }
        if (!Given("No Reset On Close", "NoResetOnClose"))
        {
            pooled.NoResetOnClose = true;
        }
        Where = $"{pooled.Host}:{pooled.Port}/{pooled.Database}";
        Data = NpgsqlDataSource.Create(pooled.ConnectionString);
        Sessions = NpgsqlDataSource.Create(sessions.ConnectionString);
        _maxBatchSize = settings.MaxBatchSize;
        _quotas = options.Value.Quotas;
        _channel = Channel(pooled.SearchPath);
        _logger = logger;
    }

    /// <summary>
    /// Brings the schema up to date, commits a first, empty batch and starts listening for run changes. Throws
    /// <see cref="StorageStartException"/> naming the server when the database cannot be used.
    /// </summary>
    public override async Task OpenAsync(CancellationToken cancellationToken = default)
    {
        if (IsOpen)
        {
            return;
        }
        WritePipeline pipeline;
        try
        {
            await PostgresSchema.MigrateAsync(Sessions, cancellationToken).ConfigureAwait(false);
            pipeline = new WritePipeline(new PostgresTransactionAdapter(Data, _channel, _logger), Clock, new UuidV7Generator(Clock.Time),
                _maxBatchSize, RetryWaits, publish: null, _quotas, Metrics, _logger);
            if (pipeline.CommitEmptyBatch() is { } error)
            {
                throw error;
            }
        }
        catch (Exception error) when (error is not StorageStartException and not OperationCanceledException)
        {
            throw new StorageStartException(
                $"PostgreSQL at {Where} cannot be used: {error.Message} Check Storage:Postgres:ConnectionString (and that the server runs); nothing was changed.",
                error);
        }
        pipeline.Start();
        _feed = new PostgresFeed(Data, Sessions, _channel, _logger);
        Serve(new PostgresReads(Data, pipeline), pipeline);
        PostgresLog.Opened(_logger, Where, PostgresSchema.Latest);
    }

    public override IRunFeed Feed => _feed ?? throw new InvalidOperationException("The storage backend is not open.");

    /// <summary>Host, port and database, for messages (never the password).</summary>
    internal string Where { get; }

    /// <summary>Pooled connections, statements prepared and kept (reads, writes, the feed's reads).</summary>
    internal NpgsqlDataSource Data { get; }

    /// <summary>Connections of their own, never pooled: for what keeps session state (<c>LISTEN</c>, the migrations' lock).</summary>
    internal NpgsqlDataSource Sessions { get; }

    private int _disposed;

    public override void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }
        if (IsOpen)
        {
            Pipeline.Dispose();
        }
        _feed?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        DisposeSources();
        Metrics.Dispose();
    }

    private void DisposeSources()
    {
        Data.Dispose();
        Sessions.Dispose();
    }

    /// <summary>The notification channel: one per schema, so deployments sharing a database do not hear each other.</summary>
    private static string Channel(string? searchPath)
    {
        var schema = searchPath?.Split(',')[0].Trim();
        var suffix = string.IsNullOrEmpty(schema) ? "public" : Unsafe().Replace(schema.ToLowerInvariant(), "_");
        var channel = "missions_changes_" + suffix;
        return channel.Length <= 63 ? channel : channel[..63];
    }

    [GeneratedRegex("[^a-z0-9_]")]
    private static partial Regex Unsafe();
}
