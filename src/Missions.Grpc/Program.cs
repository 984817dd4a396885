using Missions.Grpc.Hosting;

// Composition only: services and the request pipeline are assembled in Hosting/.
var builder = WebApplication.CreateBuilder(args);
builder.AddMissionsServer();

var app = builder.Build();
app.UseMissionsServer();
app.Run();

/// <summary>Entry point; public for the functional tests' WebApplicationFactory.</summary>
public partial class Program;
