using Missions.Grpc.Answers;
using Missions.Grpc.Auth;
using Missions.Grpc.HealthChecks;
using Missions.Grpc.Hosting;
using Missions.Grpc.Idempotency;
using Missions.Grpc.OpenApi;
using Missions.Grpc.RateLimiting;
using Missions.Grpc.Rest;
using Missions.Grpc.Telemetry;
using Missions.Grpc.Tls;
using Missions.Grpc.Validation;
using Missions.Grpc.WebConsole;
using Missions.Grpc.Webhooks;

try
{
    var builder = WebApplication.CreateBuilder(args);
    builder.AddMissionsHosting();       // a refused start and a failed request: one line each
    builder.AddMissionsTelemetry();     // traces, metrics, log scopes
    builder.AddMissionsStorage();       // the backend, opened and migrated as the host starts
    builder.AddMissionsWebhooks();      // run changes pushed to the organizations' endpoints, signed
    builder.AddMissionsTls();           // client certificates, where an HTTPS endpoint asks for them
    builder.AddMissionsAuth();          // API keys: who calls
    builder.AddMissionsRateLimiting();  // a token bucket per key, both faces
    builder.AddMissionsValidation();    // the contract's rules, answered in pydantic's words
    builder.AddMissionsIdempotency();   // Idempotency-Key, kept with the write it belongs to
    builder.AddMissionsRestFace();      // JSON transcoding, shaped as the spec answers
    builder.AddMissionsOpenApi();       // the OpenAPI document of the REST face
    builder.AddMissionsAnswers();       // how many large answers are built at once
    builder.AddMissionsApi();           // the gRPC services and their call pipeline
    builder.AddMissionsHealth();        // storage and readiness: grpc.health.v1 and /healthz
    builder.AddMissionsConsole();       // the run console at /console

    var app = builder.Build();
    ListenAddresses.ThrowIfInUse(app);
    app.UseMissionsRequestLogging();
    app.UseMissionsResponseHeaders();
    app.UseMissionsMetricsPort();
    app.UseRouting();
    app.UseMissionsRestErrors();
    app.UseMissionsOpenApi();
    app.UseMissionsAuth();
    app.UseMissionsRateLimiting();
    app.UseMissionsRestShaping();
    app.MapMissionsApi();
    app.MapMissionsHealth();
    app.MapMissionsMetrics();
    app.MapMissionsConsole();
    app.Run();
    return 0;
}
catch (Exception error) when (StartRefusal.Is(error))
{
    // Configuration, storage and dependency problems the operator must fix: say what, without a stack trace.
    Console.Error.WriteLine($"Missions.Grpc cannot start: {StartRefusal.Describe(error)}");
    return 1;
}

/// <summary>Entry point; public for the functional tests' WebApplicationFactory.</summary>
public partial class Program;
