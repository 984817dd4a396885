using Microsoft.Extensions.DependencyInjection;
using Missions.Grpc.Storage;
using Missions.Grpc.Storage.Core;
using Missions.Grpc.Storage.Writing;
using Missions.Grpc.Tests.Infrastructure;

namespace Missions.Grpc.Tests.Functional.Webhooks;

/// <summary>
/// A delivery that cannot be built (its stored subject cannot be read back) is a failed attempt like any other: the
/// schedule ends it, the error is logged once per attempt, and the dispatcher — and the host — go on.
/// </summary>
public sealed class WebhookDefectTests : WebhookAppTest
{
    /// <summary>Queues a delivery whose subject is not the JSON it claims to be (a defect, or data damaged on disk).</summary>
    private sealed class QueueDamaged(string organization, string webhookId) : WriteCommand<DeliveryDocument>
    {
        public override string Operation => "QueueDamaged";

        public override string? Organization => null;

        public override void Declare(BatchNeeds needs) => needs.Webhooks.Add((organization, Guid.Parse(webhookId)));

        public override Outcome<DeliveryDocument> Execute(BatchState batch)
        {
            var delivery = WebhookRules.Test(batch.Webhook(organization, Guid.Parse(webhookId))!, batch.Ids.NewId().ToString(), batch.Ids.NewId().ToString(), batch.Clock.Now())
                with { SubjectKind = WebhookSubject.RunKind, SubjectJson = "{not json" };
            batch.InsertDelivery(delivery);
            return delivery;
        }
    }

    [Fact]
    public async Task A_delivery_that_cannot_be_built_fails_on_the_schedule_and_the_next_one_is_delivered()
    {
        App.ErrorLogsExpected = true;
        var webhookId = await Client.CreateWebhookAsync(Receiver.Url);
        var backend = App.Services.GetRequiredService<IStorageBackend>();
        var damaged = await PipelineBatches.Of(backend).ExecuteAsync(new QueueDamaged(TestKeys.OrgA, webhookId), null, CancellationToken.None);

        var failed = await Client.DeliveriesAsync(webhookId, d => d.Any(x => (string)x!["delivery_id"]! == damaged.Id && (string)x["status"]! == "failed"));
        var entry = failed.Single(x => (string)x!["delivery_id"]! == damaged.Id)!;
        Assert.Equal(3, (int)entry["attempts"]!);
        Assert.Equal("The delivery could not be built or sent (a server error, logged).", (string)entry["last_error"]!);
        Assert.Contains(App.Logs.Errors, e => e.Contains("could not be built or sent", StringComparison.Ordinal));

        await Client.SendAsync(HttpMethod.Post, $"/v2/ai/mission-webhooks/{webhookId}/test");
        await Receiver.WaitAsync(r => r.Count == 1); // the dispatcher goes on
    }
}
