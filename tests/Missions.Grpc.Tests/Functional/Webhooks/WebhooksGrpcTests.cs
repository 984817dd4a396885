using Google.Rpc;
using Grpc.Core;
using Missions.Grpc.Tests.Infrastructure;
using Missions.Grpc.V1;
using static Missions.Grpc.Tests.Infrastructure.GrpcCalls;

namespace Missions.Grpc.Tests.Functional.Webhooks;

/// <summary>Webhook endpoints for native gRPC callers: the same service, statuses and details.</summary>
public sealed class WebhooksGrpcTests() : WebhookAppTest([("Quotas:MaxWebhooksPerOrganization", "2")])
{
    private MissionWebhooksService.MissionWebhooksServiceClient Webhooks => field ??= new(App.GrpcChannel());

    [Fact]
    public async Task An_endpoint_is_created_and_tested_over_grpc_and_the_delivery_is_listed()
    {
        var created = (await Webhooks.CreateWebhookAsync(new CreateWebhookRequest { Url = Receiver.Url, EventTypes = { "mission_run.failed" } }, Key(), Deadline)).Data;
        Assert.True(created.Enabled);
        Assert.False(created.HasMissionId);

        var test = (await Webhooks.TestWebhookAsync(new TestWebhookRequest { WebhookId = created.WebhookId }, Key(), Deadline)).Data;
        Assert.Equal(WebhookDelivery.Types.Status.Pending, test.Status);
        var received = await Receiver.WaitAsync(r => r.Count == 1);
        var publicKey = (await Webhooks.GetWebhookPublicKeyAsync(new GetWebhookPublicKeyRequest(), Key(), Deadline)).Data.PublicKey;
        Assert.True(received[0].Verifies(publicKey));

        ListWebhookDeliveriesResponse page;
        do
        {
            page = await Webhooks.ListWebhookDeliveriesAsync(new ListWebhookDeliveriesRequest { WebhookId = created.WebhookId }, Key(), Deadline);
        }
        while (page.Data[0].Status == WebhookDelivery.Types.Status.Pending);
        Assert.Equal(WebhookDelivery.Types.Status.Succeeded, page.Data.Single().Status);
        Assert.Equal(1, page.Meta.TotalResults);
        Assert.Equal("webhook.test", page.Data[0].EventType);
    }

    [Fact]
    public async Task A_refused_url_is_invalid_argument_naming_the_field_and_an_unknown_endpoint_is_not_found()
    {
        var invalid = await Assert.ThrowsAsync<RpcException>(() => Webhooks.CreateWebhookAsync(
            new CreateWebhookRequest { Url = "gopher://example.com/" }, Key(), Deadline).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, invalid.StatusCode);
        Assert.Equal(["url value_error"], invalid.GetRpcStatus()!.GetDetail<BadRequest>()!.FieldViolations.Select(f => $"{f.Field} {f.Reason}"));

        var missing = await Assert.ThrowsAsync<RpcException>(() => Webhooks.GetWebhookAsync(
            new GetWebhookRequest { WebhookId = Guid.CreateVersion7().ToString() }, Key(), Deadline).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, missing.StatusCode);

        var unknownMission = await Assert.ThrowsAsync<RpcException>(() => Webhooks.CreateWebhookAsync(
            new CreateWebhookRequest { Url = Receiver.Url, MissionId = Guid.CreateVersion7().ToString() }, Key(), Deadline).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, unknownMission.StatusCode);
        Assert.Equal("Mission not found", unknownMission.Status.Detail);
    }

    [Fact]
    public async Task Endpoints_past_the_organizations_quota_are_refused_and_a_delete_frees_one()
    {
        var first = (await Webhooks.CreateWebhookAsync(new CreateWebhookRequest { Url = Receiver.Url }, Key(), Deadline)).Data;
        await Webhooks.CreateWebhookAsync(new CreateWebhookRequest { Url = Receiver.Url }, Key(), Deadline);

        var refused = await Assert.ThrowsAsync<RpcException>(() => Webhooks.CreateWebhookAsync(new CreateWebhookRequest { Url = Receiver.Url }, Key(), Deadline).ResponseAsync);
        QuotaAnswers.AssertGrpc(refused, "Quotas:MaxWebhooksPerOrganization");
        await Webhooks.CreateWebhookAsync(new CreateWebhookRequest { Url = Receiver.Url }, Key(TestKeys.KeyB), Deadline); // another organization's own quota

        await Webhooks.DeleteWebhookAsync(new DeleteWebhookRequest { WebhookId = first.WebhookId }, Key(), Deadline);
        await Webhooks.CreateWebhookAsync(new CreateWebhookRequest { Url = Receiver.Url }, Key(), Deadline);
        Assert.Equal(2, (await Webhooks.ListWebhooksAsync(new ListWebhooksRequest(), Key(), Deadline)).Meta.TotalResults);
    }
}
