using Microsoft.Extensions.Options;
using Missions.Grpc.Hosting;

// Composition only: services and the request pipeline are assembled in Hosting/.
try
{
    var builder = WebApplication.CreateBuilder(args);
    builder.AddMissionsServer();

    var app = builder.Build();
    app.UseMissionsServer();
    app.Run();
    return 0;
}
catch (Exception error) when (error is OptionsValidationException or InvalidOperationException { Source: "Missions.Grpc.Storage" })
{
    // Configuration and storage problems the operator must fix: say what, without a stack trace.
    Console.Error.WriteLine($"Missions.Grpc cannot start: {error.Message}");
    return 1;
}

/// <summary>Entry point; public for the functional tests' WebApplicationFactory.</summary>
public partial class Program;
