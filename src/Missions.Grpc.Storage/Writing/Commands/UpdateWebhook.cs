using Missions.Grpc.Storage.Core;

namespace Missions.Grpc.Storage.Writing.Commands;

/// <summary>Present fields replace (<see cref="WebhookRules.Apply"/>); a new mission filter must name one of the organization's missions.</summary>
internal sealed class UpdateWebhook(string organization, Guid webhookId, WebhookChanges changes) : WriteCommand<WebhookDocument>
{
    public override string Operation => "UpdateWebhook";

    public override string? Organization => organization;

    public override void Declare(BatchNeeds needs)
    {
        needs.Webhooks.Add((organization, webhookId));
        if (changes.MissionId is { } missionId)
        {
            needs.MissionExists(organization, missionId, RowLock.Share);
        }
    }

    public override Outcome<WebhookDocument> Execute(BatchState batch)
    {
        if (batch.Webhook(organization, webhookId) is not { } stored)
        {
            return Outcome<WebhookDocument>.Fail(NotFound.Webhook());
        }
        if (changes.MissionId is { } missionId && !batch.MissionExists(organization, missionId))
        {
            return Outcome<WebhookDocument>.Fail(NotFound.Mission());
        }
        var updated = WebhookRules.Apply(stored, changes, batch.Clock.Later(stored.UpdatedAt));
        batch.UpdateWebhook(updated);
        return updated;
    }
}
