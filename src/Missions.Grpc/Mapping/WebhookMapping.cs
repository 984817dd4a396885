using Google.Protobuf.WellKnownTypes;
using Missions.Grpc.Storage;
using Missions.Grpc.V1;
using Missions.Grpc.Validation;

namespace Missions.Grpc.Mapping;

/// <summary>Webhook endpoints and deliveries: requests to storage's terms, documents to the contract's messages.</summary>
internal static class WebhookMapping
{
    public static NewWebhook ToNewWebhook(this CreateWebhookRequest request) => new(
        request.Url,
        request.EventTypes,
        request.HasMissionId ? UuidText.Parse(request.MissionId) : null,
        request.HasDescription ? request.Description : null,
        !request.HasEnabled || request.Enabled);

    /// <summary>Present fields change; <c>mission_id</c> "" removes the filter, anything else must be a UUID.</summary>
    public static WebhookChanges ToChanges(this UpdateWebhookRequest request)
    {
        Guid? missionId = null;
        if (request.HasMissionId && request.MissionId.Length > 0)
        {
            missionId = UuidText.TryParse(request.MissionId, out var parsed)
                ? parsed
                : throw new RequestValidationException([Pydantic.UuidParsing(["mission_id"], request.MissionId)]);
        }
        return new WebhookChanges(
            request.HasUrl ? request.Url : null,
            request.EventTypes.Count > 0 ? request.EventTypes : null,
            missionId,
            request.HasMissionId && request.MissionId.Length == 0,
            request.HasDescription ? request.Description : null,
            request.HasEnabled ? request.Enabled : null);
    }

    public static MissionWebhook ToProto(this WebhookDocument document)
    {
        var webhook = new MissionWebhook
        {
            WebhookId = document.Id,
            Url = document.Url,
            EventTypes = { document.EventTypes },
            Enabled = document.Enabled,
            CreatedAt = Timestamp.FromDateTime(document.CreatedAt),
            UpdatedAt = Timestamp.FromDateTime(document.UpdatedAt),
        };
        if (document.MissionId is not null)
        {
            webhook.MissionId = document.MissionId;
        }
        if (document.Description is not null)
        {
            webhook.Description = document.Description;
        }
        return webhook;
    }

    public static WebhookDelivery ToProto(this DeliveryDocument document)
    {
        var delivery = new WebhookDelivery
        {
            DeliveryId = document.Id,
            WebhookId = document.WebhookId,
            EventId = document.EventId,
            EventType = document.EventType,
            Status = ProtoEnum<WebhookDelivery.Types.Status>.Parse(document.Status),
            Attempts = document.Attempts,
            NextAttemptAt = document.Status == DeliveryStatus.Pending && document.NextAttemptAt is { } next ? Timestamp.FromDateTime(next) : null,
            OccurredAt = Timestamp.FromDateTime(document.OccurredAt),
            CreatedAt = Timestamp.FromDateTime(document.CreatedAt),
            UpdatedAt = Timestamp.FromDateTime(document.UpdatedAt),
            ChangeNumber = (int)Math.Min(document.ChangeNumber, int.MaxValue),
        };
        if (document.LastStatusCode is { } status)
        {
            delivery.LastStatusCode = status;
        }
        if (document.LastError is not null)
        {
            delivery.LastError = document.LastError;
        }
        if (document.LastResponseExcerpt is not null)
        {
            delivery.LastResponseExcerpt = document.LastResponseExcerpt;
        }
        if (document.RunId is not null)
        {
            delivery.RunId = document.RunId;
        }
        return delivery;
    }
}
