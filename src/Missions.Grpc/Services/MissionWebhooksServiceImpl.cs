using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Missions.Grpc.Auth;
using Missions.Grpc.Idempotency;
using Missions.Grpc.Mapping;
using Missions.Grpc.Storage;
using Missions.Grpc.V1;
using Missions.Grpc.Validation;
using Missions.Grpc.Webhooks;
using WebhookResponse = Missions.Grpc.V1.WebhookResponse;

namespace Missions.Grpc.Services;

/// <summary>
/// Webhook endpoints and their deliveries (beyond the spec). Thin like the others: a URL is checked against the
/// outbound-request policy (<see cref="WebhookUrls"/>) before it is stored; deliveries are sent by
/// <see cref="WebhookDispatcher"/>.
/// </summary>
internal sealed class MissionWebhooksServiceImpl(IWebhookStore store, WebhookUrls urls, WebhookKeys keys, CallerContext caller)
    : MissionWebhooksService.MissionWebhooksServiceBase
{
    /// <summary>Default page size of the webhook and delivery lists (as the spec's lists).</summary>
    public const int DefaultPageSize = 20;

    public override async Task<WebhookResponse> CreateWebhook(CreateWebhookRequest request, ServerCallContext context)
    {
        await urls.CheckAsync(request.Url, context.CancellationToken);
        var created = await store.CreateWebhookAsync(caller.Organization, request.ToNewWebhook(), context.Idempotency(), context.CancellationToken);
        return new WebhookResponse { Data = created.ToProto() };
    }

    public override async Task<ListWebhooksResponse> ListWebhooks(ListWebhooksRequest request, ServerCallContext context)
    {
        var window = PageWindow.From(request.Page, DefaultPageSize);
        var page = await store.ListWebhooksAsync(caller.Organization, window.Offset, window.Size, context.CancellationToken);
        return new ListWebhooksResponse { Data = { page.Items.Select(w => w.ToProto()) }, Meta = window.Meta(page.TotalResults) };
    }

    public override Task<WebhookPublicKeyResponse> GetWebhookPublicKey(GetWebhookPublicKeyRequest request, ServerCallContext context) =>
        Task.FromResult(new WebhookPublicKeyResponse { Data = new WebhookPublicKey { PublicKey = keys.Signer.PublicKeyBase64 } });

    public override async Task<WebhookResponse> GetWebhook(GetWebhookRequest request, ServerCallContext context) =>
        new() { Data = (await store.GetWebhookAsync(caller.Organization, UuidText.Parse(request.WebhookId), context.CancellationToken)).ToProto() };

    public override async Task<WebhookResponse> UpdateWebhook(UpdateWebhookRequest request, ServerCallContext context)
    {
        var changes = request.ToChanges();
        if (changes.Url is { } url)
        {
            await urls.CheckAsync(url, context.CancellationToken);
        }
        var updated = await store.UpdateWebhookAsync(caller.Organization, UuidText.Parse(request.WebhookId), changes, context.Idempotency(), context.CancellationToken);
        return new WebhookResponse { Data = updated.ToProto() };
    }

    public override async Task<Empty> DeleteWebhook(DeleteWebhookRequest request, ServerCallContext context)
    {
        await store.DeleteWebhookAsync(caller.Organization, UuidText.Parse(request.WebhookId), context.Idempotency(), context.CancellationToken);
        return new Empty();
    }

    public override async Task<ListWebhookDeliveriesResponse> ListWebhookDeliveries(ListWebhookDeliveriesRequest request, ServerCallContext context)
    {
        var window = PageWindow.From(request.Page, DefaultPageSize);
        var page = await store.ListDeliveriesAsync(caller.Organization, UuidText.Parse(request.WebhookId), window.Offset, window.Size, context.CancellationToken);
        return new ListWebhookDeliveriesResponse { Data = { page.Items.Select(d => d.ToProto()) }, Meta = window.Meta(page.TotalResults) };
    }

    public override async Task<WebhookDeliveryResponse> RetryWebhookDelivery(RetryWebhookDeliveryRequest request, ServerCallContext context)
    {
        var retried = await store.RetryDeliveryAsync(caller.Organization, UuidText.Parse(request.WebhookId), UuidText.Parse(request.DeliveryId),
            context.Idempotency(), context.CancellationToken);
        return new WebhookDeliveryResponse { Data = retried.ToProto() };
    }

    public override async Task<WebhookDeliveryResponse> TestWebhook(TestWebhookRequest request, ServerCallContext context)
    {
        var delivery = await store.TestWebhookAsync(caller.Organization, UuidText.Parse(request.WebhookId), context.Idempotency(), context.CancellationToken);
        return new WebhookDeliveryResponse { Data = delivery.ToProto() };
    }
}
