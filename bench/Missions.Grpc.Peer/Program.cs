using System.Text.Json.Nodes;
using LiteDB;

// The load table's peers, in one process (bench/README.md):
//   GET  /ping                 the REST ceiling: Kestrel + routing + a constant answer
//   POST /v2/ai/missions       a hand-written create: parse the body to a JsonNode, check the name, one LiteDB insert
//                              (one commit) per request, answer 201 with the stored mission
//   grpc.health.v1.Health      the gRPC ceiling: a bare host's health service (on the HTTP/2 endpoint)
// Endpoints come from configuration as usual (Kestrel:Endpoints:Rest:Url, Kestrel:Endpoints:Grpc:Url); the
// database file from Peer:Database.
// Logging as a template app configures it (console; ASP.NET Core at Warning), like the service: not switched off.
var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
builder.Services.AddGrpc();
builder.Services.AddGrpcHealthChecks();
var app = builder.Build();

using var db = new LiteDatabase(new ConnectionString { Filename = app.Configuration["Peer:Database"] ?? "peer.db", Connection = ConnectionType.Direct });
var missions = db.GetCollection("missions");

app.MapGet("/ping", () => "pong");
app.MapPost("/v2/ai/missions", async (HttpRequest request) =>
{
    JsonNode? body;
    try
    {
        body = await JsonNode.ParseAsync(request.Body);
    }
    catch (System.Text.Json.JsonException)
    {
        return Results.UnprocessableEntity(new { detail = "JSON decode error" });
    }
    if (body?["name"] is not JsonValue name || !name.TryGetValue<string>(out var text))
    {
        return Results.UnprocessableEntity(new { detail = "name is required" });
    }
    var now = DateTime.UtcNow;
    var id = Guid.CreateVersion7();
    missions.Insert(new BsonDocument
    {
        ["_id"] = id.ToString(),
        ["name"] = text,
        ["execution_mode"] = (string?)body["execution_mode"] ?? "external",
        ["metadata"] = body["metadata"]?.ToJsonString(),
        ["created_at"] = now,
    });
    return Results.Json(new { data = new { mission_id = id, name = text, execution_mode = (string?)body["execution_mode"] ?? "external", created_at = now, updated_at = now } },
        statusCode: StatusCodes.Status201Created);
});
app.MapGrpcHealthChecksService();
app.MapHealthChecks("/healthz"); // for the bench's start-up wait
app.Run();
