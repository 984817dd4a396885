using Missions.Grpc.Storage.Core;

namespace Missions.Grpc.Storage.Writing.Commands;

/// <summary>An endpoint of the organization; its mission filter must name one of the organization's missions.</summary>
internal sealed class CreateWebhook(string organization, NewWebhook webhook) : WriteCommand<WebhookDocument>
{
    public override string Operation => "CreateWebhook";

    public override string? Organization => organization;

    public override IEnumerable<Quota> Quotas(QuotaOptions quotas) => [Quota.Webhooks(quotas, organization)];

    public override void Declare(BatchNeeds needs)
    {
        if (webhook.MissionId is { } missionId)
        {
            needs.MissionExists(organization, missionId, RowLock.Share);
        }
    }

    public override Outcome<WebhookDocument> Execute(BatchState batch)
    {
        if (webhook.MissionId is { } missionId && !batch.MissionExists(organization, missionId))
        {
            return Outcome<WebhookDocument>.Fail(NotFound.Mission());
        }
        var created = WebhookRules.Create(organization, webhook, batch.Ids.NewId().ToString(), batch.Clock.Now());
        batch.InsertWebhook(created);
        return created;
    }
}
