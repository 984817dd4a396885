using System.Text.Json;
using Google.Protobuf;
using Missions.Grpc.Mapping;
using Missions.Grpc.Storage;

namespace Missions.Grpc.Webhooks;

/// <summary>
/// A delivery's body, in Telnyx's webhook envelope:
/// <c>{"data":{"record_type":"event","id","event_type","occurred_at","change_number","payload"},"meta":{"attempt","delivered_to"}}</c>.
/// The payload is the run, event or step as the API returns it (the same JSON names and values as its REST answers), as
/// it was at the change; <c>change_number</c> is the run's change number, by which a consumer orders and de-duplicates
/// (<c>data.id</c> is the same in every attempt).
/// </summary>
internal static class WebhookEnvelope
{
    /// <summary>As the REST face writes messages: every field, defaults included (transcoding's <c>IgnoreDefaultValues = false</c>).</summary>
    private static readonly JsonFormatter Formatter = new(JsonFormatter.Settings.Default.WithFormatDefaultValues(true));

    public static byte[] Body(DeliveryDocument delivery, string url)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteStartObject("data");
            json.WriteString("record_type", "event");
            json.WriteString("id", delivery.EventId);
            json.WriteString("event_type", delivery.EventType);
            json.WriteString("occurred_at", Timestamp(delivery.OccurredAt));
            json.WriteNumber("change_number", delivery.ChangeNumber);
            json.WritePropertyName("payload");
            json.WriteRawValue(Payload(delivery), skipInputValidation: true);
            json.WriteEndObject();
            json.WriteStartObject("meta");
            json.WriteNumber("attempt", delivery.Attempts);
            json.WriteString("delivered_to", url);
            json.WriteEndObject();
            json.WriteEndObject();
        }
        return buffer.ToArray();
    }

    /// <summary>The subject as the API returns it.</summary>
    public static string Payload(DeliveryDocument delivery) => delivery.SubjectKind switch
    {
        WebhookSubject.RunKind => Formatter.Format(WebhookSubject.Run(delivery.SubjectJson).ToProto()),
        WebhookSubject.EventKind => Formatter.Format(WebhookSubject.Event(delivery.SubjectJson).ToProto()),
        WebhookSubject.StepKind => Formatter.Format(WebhookSubject.Step(delivery.SubjectJson).ToProto()),
        _ => JsonSerializer.Serialize(new Dictionary<string, string> { ["webhook_id"] = delivery.WebhookId }),
    };

    private static string Timestamp(DateTime time) => Formatter.Format(Google.Protobuf.WellKnownTypes.Timestamp.FromDateTime(time)).Trim('"');
}
