namespace Missions.Grpc.Tests.Infrastructure;

/// <summary>A test class with a server of its own (in memory, own database), disposed after each test.</summary>
public abstract class AppTest : IAsyncLifetime
{
    protected MissionsApp App { get; } = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await App.DisposeAsync();
}
