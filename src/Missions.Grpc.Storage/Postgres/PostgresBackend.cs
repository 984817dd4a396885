using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Missions.Grpc.Storage.Postgres;

/// <summary>
/// The PostgreSQL backend, for deployments that outgrow one machine: any number of stateless replicas share one
/// database. One store per resource over this context: an <see cref="NpgsqlDataSource"/>, the replica's group-commit
/// writer (<see cref="PostgresWriter"/>), the watch feed across replicas (<see cref="PostgresFeed"/>) and health. The
/// domain rules are the core's; every statement is scoped by organization; every decision is taken under a row lock
/// in the transaction that applies it, so replicas never both win a race.
/// </summary>
public sealed partial class PostgresBackend : IStorageBackend
{
    private readonly PostgresHealth _health;
    private readonly PostgresFeed _feed;

    public PostgresBackend(IOptions<StorageOptions> options, ILogger<PostgresBackend> logger, TimeProvider? time = null)
    {
        var settings = options.Value.Postgres;
        var connection = new NpgsqlConnectionStringBuilder(settings.ConnectionString);
        if (!connection.ContainsKey("Timeout"))
        {
            connection.Timeout = 5; // an unreachable server answers 503 within seconds, not after the 15 s default
        }
        Where = $"{connection.Host}:{connection.Port}/{connection.Database}";
        Data = NpgsqlDataSource.Create(connection.ConnectionString);
        try
        {
            PostgresSchema.MigrateAsync(Data).GetAwaiter().GetResult();
        }
        catch (Exception error) when (error is not StorageStartException)
        {
            Data.Dispose();
            throw new StorageStartException(
                $"PostgreSQL at {Where} cannot be used: {error.Message} Check Storage:Postgres:ConnectionString (and that the server runs); nothing was changed.",
                error);
        }
        catch
        {
            Data.Dispose();
            throw;
        }
        Clock = new StoreClock(time);
        Ids = new UuidV7Generator(Clock.Time);
        var channel = Channel(connection.SearchPath);
        _health = new PostgresHealth(Data, logger);
        Writer = new PostgresWriter(Data, settings.MaxBatchSize, channel, _health, logger);
        _feed = new PostgresFeed(Data, channel, logger);
        Missions = new PostgresMissionStore(this);
        Runs = new PostgresRunStore(this);
        Plans = new PostgresPlanStore(this);
        Events = new PostgresEventStore(this);
        AgentLinks = new PostgresAgentLinkStore(this);
        Attachments = new PostgresAttachmentStore(this);
        IdempotencyKeys = new PostgresIdempotencyStore(this);
        logger.LogInformation("PostgreSQL storage at {Where}, schema version {Version}", Where, PostgresSchema.Latest);
    }

    public IMissionStore Missions { get; }

    public IRunStore Runs { get; }

    public IPlanStore Plans { get; }

    public IEventStore Events { get; }

    public IAgentLinkStore AgentLinks { get; }

    public IAttachmentStore Attachments { get; }

    public IIdempotencyStore IdempotencyKeys { get; }

    public IRunFeed Feed => _feed;

    public IStorageHealth Health => _health;

    /// <summary>Host, port and database, for messages (never the password).</summary>
    internal string Where { get; }

    internal NpgsqlDataSource Data { get; }

    internal PostgresWriter Writer { get; }

    internal StoreClock Clock { get; }

    internal UuidV7Generator Ids { get; }

    private int _disposed;

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }
        Writer.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _feed.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _health.DisposeAsync().AsTask().GetAwaiter().GetResult();
        Data.Dispose();
    }

    /// <summary>Runs a read on a pooled connection; an unreachable database is a 503 (nothing to settle: reads change nothing).</summary>
    internal async Task<T> ReadAsync<T>(Func<NpgsqlConnection, CancellationToken, Task<T>> read, CancellationToken cancellationToken,
        [System.Runtime.CompilerServices.CallerMemberName] string operation = "")
    {
        using var span = StorageTelemetry.StartRead(operation);
        try
        {
            await using var connection = await Data.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            return await read(connection, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception error) when (PostgresFaults.IsUnreachable(error) && !cancellationToken.IsCancellationRequested)
        {
            _health.Failed(error);
            throw PostgresFaults.Unreachable(TimeSpan.FromSeconds(2));
        }
    }

    /// <summary>Runs <paramref name="command"/> in this replica's next write batch; returns what it found, or throws its error.</summary>
    internal async Task<T> WriteAsync<T>(Func<PgBatch, CancellationToken, Task<Outcome<T>>> command, CancellationToken cancellationToken,
        [System.Runtime.CompilerServices.CallerMemberName] string operation = "")
    {
        if (IdempotencyScope.Take() is not { } scope)
        {
            return await Writer.ExecuteAsync(command, cancellationToken, operation).ConfigureAwait(false);
        }
        try
        {
            return await Writer.ExecuteAsync((batch, ct) => FirstUseAsync(batch, scope, command, ct), cancellationToken, operation).ConfigureAwait(false);
        }
        catch (IdempotencyKeyTakenException)
        {
            // The key is stored (or being stored by another transaction): decide on its record, claimed first.
            return await Writer.ExecuteAsync((batch, ct) => IdempotentAsync(batch, scope, command, ct), cancellationToken, operation).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The usual case, a key used for the first time, at no extra statement per write: the write, and its result stored
    /// under the key with the rest of the batch's keys, in one statement before COMMIT (<c>ON CONFLICT DO NOTHING</c>).
    /// A key already taken — a retry, or a concurrent request holding it on any replica, whose transaction that
    /// statement waits for — fails this command alone (the batch runs again without it, so its write is undone) and the
    /// caller decides on the stored record (<see cref="IdempotentAsync{T}"/>).
    /// </summary>
    private async Task<Outcome<T>> FirstUseAsync<T>(PgBatch batch, IdempotencyScope scope, Func<PgBatch, CancellationToken, Task<Outcome<T>>> command,
        CancellationToken cancellationToken)
    {
        var outcome = await command(batch, cancellationToken).ConfigureAwait(false);
        if (outcome.Failed)
        {
            // Refused — unless because this key's request already ran (a retry of a delete finds nothing to delete):
            // then the key's record decides. Otherwise nothing written, nothing kept.
            var taken = await Pg.FirstAsync(batch.Connection, "SELECT true FROM idempotency_keys WHERE organization = $1 AND key = $2",
                r => true, cancellationToken, scope.Organization, scope.Key).ConfigureAwait(false);
            return taken ? throw new IdempotencyKeyTakenException() : outcome;
        }
        // Stored with the batch's other keys in one statement before COMMIT; a key found taken there fails this command.
        batch.StoreKey(scope, IdempotencyRules.Serialize(outcome.Value), IdempotencyRules.ExpiresAt(scope, Clock.Now()));
        return outcome;
    }

    private async Task<Outcome<T>> IdempotentAsync<T>(PgBatch batch, IdempotencyScope scope, Func<PgBatch, CancellationToken, Task<Outcome<T>>> command,
        CancellationToken cancellationToken)
    {
        var connection = batch.Connection;
        var now = Clock.Now();
        var expires = Pg.Time(IdempotencyRules.ExpiresAt(scope, now));
        var claimed = await Pg.FirstAsync(connection,
            "INSERT INTO idempotency_keys (organization, key, fingerprint, expires_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING true",
            r => true, cancellationToken, scope.Organization, scope.Key, scope.Fingerprint, expires).ConfigureAwait(false);
        if (!claimed)
        {
            var (fingerprint, result, expiresAt) = await Pg.FirstAsync(connection,
                "SELECT fingerprint, result_json, expires_at FROM idempotency_keys WHERE organization = $1 AND key = $2 FOR UPDATE",
                r => (r.Text(0), r.NullableString(1), (DateTime?)r.Utc(2)), cancellationToken, scope.Organization, scope.Key).ConfigureAwait(false);
            switch (IdempotencyRules.Decide(fingerprint, expiresAt, scope, now))
            {
                case IdempotencyRules.Verdict.Replay:
                    return IdempotencyRules.Replay<T>(scope, result!);
                case IdempotencyRules.Verdict.Reused:
                    return IdempotencyRules.Reused<T>(scope);
            }
            await Pg.ExecuteAsync(connection, // expired: the key is this request's now
                "UPDATE idempotency_keys SET fingerprint = $3, result_json = NULL, expires_at = $4 WHERE organization = $1 AND key = $2",
                cancellationToken, scope.Organization, scope.Key, scope.Fingerprint, expires).ConfigureAwait(false);
        }
        var outcome = await command(batch, cancellationToken).ConfigureAwait(false);
        if (outcome.Failed)
        {
            await Pg.ExecuteAsync(connection, "DELETE FROM idempotency_keys WHERE organization = $1 AND key = $2",
                cancellationToken, scope.Organization, scope.Key).ConfigureAwait(false);
            if (!claimed)
            {
                batch.Count(-1, IdempotencyRules.Counter);
            }
            return outcome;
        }
        await Pg.ExecuteAsync(connection, "UPDATE idempotency_keys SET result_json = $3 WHERE organization = $1 AND key = $2",
            cancellationToken, scope.Organization, scope.Key, IdempotencyRules.Serialize(outcome.Value)).ConfigureAwait(false);
        if (claimed)
        {
            batch.Count(+1, IdempotencyRules.Counter);
        }
        return outcome;
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
