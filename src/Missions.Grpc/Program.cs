using Microsoft.Extensions.Options;
using Missions.Grpc.Hosting;
using Missions.Grpc.Protocol;
using Missions.Grpc.Storage;

// Composition only: services and the request pipeline are assembled in Hosting/.
try
{
    var builder = WebApplication.CreateBuilder(args);
    builder.AddMissionsServer();

    var app = builder.Build();
    ListenAddresses.ThrowIfInUse(app);
    app.OpenMissionStorage();
    app.UseMissionsServer();
    app.Run();
    return 0;
}
catch (Exception error) when (error is OptionsValidationException or StorageStartException or IncompatibleFrameworkException
                                   or EndpointInUseException or IOException { InnerException: Microsoft.AspNetCore.Connections.AddressInUseException })
{
    // Configuration, storage and dependency problems the operator must fix: say what, without a stack trace.
    Console.Error.WriteLine($"Missions.Grpc cannot start: {error.Message}");
    return 1;
}

/// <summary>Entry point; public for the functional tests' WebApplicationFactory.</summary>
public partial class Program;
