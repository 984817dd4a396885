using System.Runtime.CompilerServices;
using Missions.Grpc.Storage.Core;
using Missions.Grpc.Storage.Stores;
using Missions.Grpc.Storage.Writing;
using Npgsql;

namespace Missions.Grpc.Storage.Postgres;

/// <summary>
/// PostgreSQL's reads. Each is one statement on a pooled connection, prepared (the data source auto-prepares, and the pool
/// keeps prepared statements: <see cref="PostgresBackend"/>), that answers everything the read needs — its rows, the
/// list's total (a counter), and which parent is missing when something is not found (a run under an unknown mission is
/// "Mission not found") — so that a read costs one round trip and one statement, found or not.
/// </summary>
internal sealed class PostgresReads : IStorageReads
{
    private readonly NpgsqlDataSource _data;
    private readonly WritePipeline _pipeline;

    public PostgresReads(NpgsqlDataSource data, WritePipeline pipeline)
    {
        _data = data;
        _pipeline = pipeline;
        Missions = new PostgresMissionReads(this);
        Runs = new PostgresRunReads(this);
        Plans = new PostgresPlanReads(this);
        Events = new PostgresEventReads(this);
        AgentLinks = new PostgresAgentLinkReads(this);
        Attachments = new PostgresAttachmentReads(this);
        Webhooks = new PostgresWebhookReads(this);
    }

    public IMissionReads Missions { get; }

    public IRunReads Runs { get; }

    public IPlanReads Plans { get; }

    public IEventReads Events { get; }

    public IAgentLinkReads AgentLinks { get; }

    public IAttachmentReads Attachments { get; }

    public IWebhookReads Webhooks { get; }

    public Task<long> CountIdempotencyKeysAsync(CancellationToken cancellationToken) =>
        ReadAsync("SELECT sum(count)::bigint FROM counters WHERE key = $1", [IdempotencyRules.Counter],
            async (r, ct) => await r.ReadAsync(ct).ConfigureAwait(false) && !r.IsDBNull(0) ? r.GetInt64(0) : 0, cancellationToken);

    /// <summary>
    /// Runs one statement and reads its rows with <paramref name="read"/>. An unreachable database is a 503 — and tells the
    /// write pipeline, which refuses writes at once until its probe commits again.
    /// </summary>
    public async Task<T> ReadAsync<T>(string sql, object?[] args, Func<NpgsqlDataReader, CancellationToken, Task<T>> read, CancellationToken cancellationToken,
        [CallerMemberName] string operation = "")
    {
        using var span = StorageTelemetry.StartRead(operation);
        try
        {
            await using var connection = await _data.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using var command = Pg.Command(connection, sql, args);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            return await read(reader, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception error) when (PostgresFaults.IsUnreachable(error) && !cancellationToken.IsCancellationRequested)
        {
            _pipeline.ReportFault(StorageFaultKind.Unreachable, error);
            throw PostgresFaults.Unreachable(TimeSpan.FromSeconds(2));
        }
    }

    /// <summary>
    /// A run's rows: <c>FROM missions m LEFT JOIN runs r …</c>, so that no row means "Mission not found" and a first column
    /// false means "Run not found". Parameters: $1 organization, $2 run, $3 mission.
    /// </summary>
    public const string RunScope =
        "FROM missions m LEFT JOIN runs r ON r.organization = m.organization AND r.id = $2 AND r.mission_id = m.id";

    public const string RunScopeWhere = "WHERE m.organization = $1 AND m.id = $3";

    /// <summary>Reads the first row of a <see cref="RunScope"/> statement and throws the not-found it says; true when there is a row of the run's own.</summary>
    public static async Task<bool> RunFoundAsync(NpgsqlDataReader r, CancellationToken cancellationToken)
    {
        if (!await r.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            throw NotFound.Mission();
        }
        return r.GetBoolean(0) ? true : throw NotFound.Run();
    }
}
