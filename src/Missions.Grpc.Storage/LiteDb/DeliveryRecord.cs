using System.Globalization;
using Missions.Grpc.Storage.Core;

namespace Missions.Grpc.Storage.LiteDb;

internal sealed class DeliveryRecord
{
    public string Id { get; set; } = "";
    public string Organization { get; set; } = "";
    public string WebhookId { get; set; } = "";

    /// <summary>Organization, endpoint, id: the endpoint's deliveries in creation order (its list; its delete).</summary>
    public string WebhookKey { get; set; } = "";

    /// <summary>While pending: organization, endpoint, next attempt time (fixed-width ticks), id — each endpoint's due order. Null once it ended.</summary>
    public string? DueKey { get; set; }

    public string EventId { get; set; } = "";
    public string EventType { get; set; } = "";
    public DateTime OccurredAt { get; set; }
    public string? RunId { get; set; }
    public long ChangeNumber { get; set; }
    public string SubjectKind { get; set; } = "";
    public string SubjectJson { get; set; } = "";
    public string Status { get; set; } = "";
    public int Attempts { get; set; }
    public int ScheduleStart { get; set; }
    public int? LastStatusCode { get; set; }
    public string? LastError { get; set; }
    public string? LastResponseExcerpt { get; set; }
    public DateTime? NextAttemptAt { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }

    /// <summary>A time as an index key part that sorts as the time does.</summary>
    public static string TimeKey(DateTime time) => time.ToUniversalTime().Ticks.ToString("D19", CultureInfo.InvariantCulture);

    public static DeliveryRecord From(DeliveryDocument d)
    {
        var pending = d.Status == DeliveryStatus.Pending;
        return new()
        {
            Id = d.Id,
            Organization = d.Organization,
            WebhookId = d.WebhookId,
            WebhookKey = Keys.Of(d.Organization, d.WebhookId, d.Id),
            DueKey = pending ? Keys.Of(d.Organization, d.WebhookId, TimeKey(d.NextAttemptAt ?? d.UpdatedAt), d.Id) : null,
            EventId = d.EventId,
            EventType = d.EventType,
            OccurredAt = d.OccurredAt,
            RunId = d.RunId,
            ChangeNumber = d.ChangeNumber,
            SubjectKind = d.SubjectKind,
            SubjectJson = d.SubjectJson,
            Status = d.Status,
            Attempts = d.Attempts,
            ScheduleStart = d.ScheduleStart,
            LastStatusCode = d.LastStatusCode,
            LastError = d.LastError,
            LastResponseExcerpt = d.LastResponseExcerpt,
            NextAttemptAt = d.NextAttemptAt,
            CreatedAt = d.CreatedAt,
            UpdatedAt = d.UpdatedAt,
        };
    }

    public DeliveryDocument ToDocument() => new()
    {
        Id = Id,
        Organization = Organization,
        WebhookId = WebhookId,
        EventId = EventId,
        EventType = EventType,
        OccurredAt = Times.Utc(OccurredAt),
        RunId = RunId,
        ChangeNumber = ChangeNumber,
        SubjectKind = SubjectKind,
        SubjectJson = SubjectJson,
        Status = Status,
        Attempts = Attempts,
        ScheduleStart = ScheduleStart,
        LastStatusCode = LastStatusCode,
        LastError = LastError,
        LastResponseExcerpt = LastResponseExcerpt,
        NextAttemptAt = Times.Utc(NextAttemptAt),
        CreatedAt = Times.Utc(CreatedAt),
        UpdatedAt = Times.Utc(UpdatedAt),
    };
}
