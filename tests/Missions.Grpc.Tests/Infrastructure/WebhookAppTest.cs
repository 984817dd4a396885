using Microsoft.Extensions.DependencyInjection;

namespace Missions.Grpc.Tests.Infrastructure;

/// <summary>
/// A test class with a server of its own whose webhooks reach a receiver of its own (<see cref="WebhookTestApp"/>'s
/// settings, plus the class's), both disposed after each test.
/// </summary>
public abstract class WebhookAppTest : IAsyncLifetime
{
    protected WebhookAppTest((string Key, string? Value)[]? settings = null, Action<IServiceCollection>? services = null) =>
        App = new MissionsApp(settings: WebhookTestApp.Settings(settings ?? []), services: services);

    protected MissionsApp App { get; }

    protected WebhookReceiver Receiver { get; private set; } = null!;

    protected HttpClient Client => field ??= App.Rest();

    public async Task InitializeAsync() => Receiver = await WebhookReceiver.StartAsync();

    public async Task DisposeAsync()
    {
        await App.DisposeAsync();
        await Receiver.DisposeAsync();
    }
}
