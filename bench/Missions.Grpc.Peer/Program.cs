using System.Text.Json.Nodes;
using LiteDB;
using Npgsql;

// The tables' peers, in one process (bench/README.md):
//   GET  /ping                      the REST ceiling: Kestrel + routing + a constant answer
//   POST /v2/ai/missions            a hand-written create: parse the body to a JsonNode, check the name, store it, answer
//                                   201 with the stored mission. Over LiteDB (one insert, one commit, per request) by
//                                   default; over PostgreSQL (one INSERT per request, autocommit) when Peer:Postgres is set.
//   GET  /v2/ai/missions/{id}       (PostgreSQL only) a hand-written read: one SELECT by primary key, the row as JSON
//   grpc.health.v1.Health           the gRPC ceiling: a bare host's health service (on the HTTP/2 endpoint)
// Endpoints come from configuration as usual (Kestrel:Endpoints:Rest:Url, Kestrel:Endpoints:Grpc:Url); the LiteDB file
// from Peer:Database. With PostgreSQL: Peer:Postgres is an Npgsql connection string (the storage table gives it the
// service's schema, so both read and write the same missions table) and Peer:Organization the organization it writes as.
// Logging as a template app configures it (console; ASP.NET Core at Warning), like the service: not switched off.
var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
builder.Services.AddGrpc();
builder.Services.AddGrpcHealthChecks();
var app = builder.Build();

app.MapGet("/ping", () => "pong");
if (app.Configuration["Peer:Postgres"] is { Length: > 0 } postgres)
{
    MapPostgres(app, postgres, app.Configuration["Peer:Organization"] ?? "peer");
}
else
{
    MapLiteDb(app, app.Configuration["Peer:Database"] ?? "peer.db");
}
app.MapGrpcHealthChecksService();
app.MapHealthChecks("/healthz"); // for the bench's start-up wait
app.Run();

// A create's body: parsed to a JsonNode, the name checked; or the 422 to answer.
static async Task<(NewMission? Mission, IResult? Refusal)> ReadBodyAsync(HttpRequest request)
{
    try
    {
        var body = await JsonNode.ParseAsync(request.Body);
        return body?["name"] is JsonValue name && name.TryGetValue<string>(out var text)
            ? (new NewMission(Guid.CreateVersion7(), text, (string?)body["execution_mode"] ?? "external", body["metadata"], DateTime.UtcNow), null)
            : (null, Results.UnprocessableEntity(new { detail = "name is required" }));
    }
    catch (System.Text.Json.JsonException)
    {
        return (null, Results.UnprocessableEntity(new { detail = "JSON decode error" }));
    }
}

static IResult Created(NewMission m) => Results.Json(
    new { data = new { mission_id = m.Id, name = m.Name, execution_mode = m.Mode, metadata = m.Metadata, created_at = m.Now, updated_at = m.Now } },
    statusCode: StatusCodes.Status201Created);

static void MapLiteDb(WebApplication app, string path)
{
    var db = new LiteDatabase(new ConnectionString { Filename = path, Connection = ConnectionType.Direct });
    app.Lifetime.ApplicationStopped.Register(db.Dispose);
    var missions = db.GetCollection("missions");
    app.MapPost("/v2/ai/missions", async (HttpRequest request) =>
    {
        var (mission, refusal) = await ReadBodyAsync(request);
        if (mission is null)
        {
            return refusal!;
        }
        missions.Insert(new BsonDocument
        {
            ["_id"] = mission.Id.ToString(),
            ["name"] = mission.Name,
            ["execution_mode"] = mission.Mode,
            ["metadata"] = mission.Metadata?.ToJsonString(),
            ["created_at"] = mission.Now,
        });
        return Created(mission);
    });
}

// What a developer would write with Npgsql's own advice: a data source, a pooled connection per request, one
// auto-prepared statement, autocommit (each INSERT its own transaction and its own commit).
static void MapPostgres(WebApplication app, string connectionString, string organization)
{
    var settings = new NpgsqlConnectionStringBuilder(connectionString);
    if (!settings.ContainsKey("Max Auto Prepare"))
    {
        settings.MaxAutoPrepare = 20;
    }
    var data = NpgsqlDataSource.Create(settings.ConnectionString);
    app.Lifetime.ApplicationStopped.Register(data.Dispose);
    app.MapGet("/v2/ai/missions/{id:guid}", async (Guid id) =>
    {
        await using var command = data.CreateCommand(
            "SELECT id, name, description, model, instructions, execution_mode, metadata_json, created_at, updated_at FROM missions WHERE organization = $1 AND id = $2");
        command.Parameters.Add(new NpgsqlParameter { Value = organization });
        command.Parameters.Add(new NpgsqlParameter { Value = id });
        await using var reader = await command.ExecuteReaderAsync();
        if (!await reader.ReadAsync())
        {
            return Results.NotFound(new { detail = "Mission not found" });
        }
        return Results.Json(new
        {
            data = new
            {
                mission_id = reader.GetGuid(0),
                name = reader.GetString(1),
                description = reader.IsDBNull(2) ? null : reader.GetString(2),
                model = reader.IsDBNull(3) ? null : reader.GetString(3),
                instructions = reader.IsDBNull(4) ? null : reader.GetString(4),
                execution_mode = reader.GetString(5),
                metadata = reader.IsDBNull(6) ? null : JsonNode.Parse(reader.GetString(6)),
                created_at = reader.GetDateTime(7),
                updated_at = reader.GetDateTime(8),
            },
        });
    });
    app.MapPost("/v2/ai/missions", async (HttpRequest request) =>
    {
        var (mission, refusal) = await ReadBodyAsync(request);
        if (mission is null)
        {
            return refusal!;
        }
        await using var command = data.CreateCommand(
            "INSERT INTO missions (organization, id, name, execution_mode, metadata_json, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6)");
        command.Parameters.Add(new NpgsqlParameter { Value = organization });
        command.Parameters.Add(new NpgsqlParameter { Value = mission.Id });
        command.Parameters.Add(new NpgsqlParameter { Value = mission.Name });
        command.Parameters.Add(new NpgsqlParameter { Value = mission.Mode });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)mission.Metadata?.ToJsonString() ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = mission.Now });
        await command.ExecuteNonQueryAsync();
        return Created(mission);
    });
}

/// <summary>What a create stores: a new id, the body's fields, the time.</summary>
internal sealed record NewMission(Guid Id, string Name, string Mode, JsonNode? Metadata, DateTime Now);
