using Microsoft.Extensions.Options;
using Missions.Grpc.Storage;

namespace Missions.Grpc.Webhooks;

/// <summary>
/// The key every webhook is signed with: <c>Webhooks:SigningKey</c> when set; otherwise one generated once and kept with
/// the data (the first replica's wins), so every replica signs with the same key and a restart does not change it.
/// Read as the host starts, after storage opened and before the server listens.
/// </summary>
internal sealed class WebhookKeys(IOptions<WebhookOptions> options, IWebhookStore store) : IHostedLifecycleService, IDisposable
{
    /// <summary>The name the generated key is kept under with the data.</summary>
    public const string SettingName = "webhooks.signing-key";

    private WebhookSigner? _signer;

    public WebhookSigner Signer => _signer ?? throw new InvalidOperationException("The webhook signing key is read as the host starts.");

    public async Task StartingAsync(CancellationToken cancellationToken)
    {
        var configured = options.Value.SigningKey;
        var seed = configured is { Length: > 0 }
            ? configured
            : await store.KeepSettingAsync(SettingName, Convert.ToBase64String(WebhookSigner.NewSeed()), cancellationToken);
        _signer = WebhookSigner.TryParseSeed(seed, out var bytes)
            ? new WebhookSigner(bytes)
            : throw new InvalidOperationException("The webhook signing key kept with the data is not a base64 32-byte seed.");
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose() => _signer?.Dispose();
}
