using Npgsql;

namespace Missions.Grpc.Storage.Postgres;

/// <summary>The column lists the stores select, and the documents read from them (in that column order).</summary>
internal static class PostgresRows
{
    public const string MissionColumns =
        "organization, id, name, description, model, instructions, execution_mode, metadata_json, created_at, updated_at";

    public static MissionDocument Mission(NpgsqlDataReader r, int at = 0) => new()
    {
        Organization = r.Text(at + 0),
        Id = r.Id(at + 1),
        Name = r.Text(at + 2),
        Description = r.NullableString(at + 3),
        Model = r.NullableString(at + 4),
        Instructions = r.NullableString(at + 5),
        ExecutionMode = r.Text(at + 6),
        MetadataJson = r.NullableString(at + 7),
        CreatedAt = r.Utc(at + 8),
        UpdatedAt = r.Utc(at + 9),
    };

    public const string RunColumns =
        "organization, id, mission_id, status, started_at, updated_at, finished_at, input_json, metadata_json, result_summary, result_payload_json, error";

    public static RunDocument Run(NpgsqlDataReader r, int at = 0) => new()
    {
        Organization = r.Text(at + 0),
        Id = r.Id(at + 1),
        MissionId = r.Id(at + 2),
        Status = r.Text(at + 3),
        StartedAt = r.Utc(at + 4),
        UpdatedAt = r.Utc(at + 5),
        FinishedAt = r.NullableUtc(at + 6),
        InputJson = r.NullableString(at + 7),
        MetadataJson = r.NullableString(at + 8),
        ResultSummary = r.NullableString(at + 9),
        ResultPayloadJson = r.NullableString(at + 10),
        Error = r.NullableString(at + 11),
    };

    public const string StepColumns =
        "step_id, run_id, sequence, description, status, parent_step_id, metadata_json, started_at, completed_at";

    public static StepDocument Step(NpgsqlDataReader r, int at = 0) => new()
    {
        StepId = r.Text(at + 0),
        RunId = r.Id(at + 1),
        Sequence = r.GetInt32(at + 2),
        Description = r.Text(at + 3),
        Status = r.Text(at + 4),
        ParentStepId = r.NullableString(at + 5),
        MetadataJson = r.NullableString(at + 6),
        StartedAt = r.NullableUtc(at + 7),
        CompletedAt = r.NullableUtc(at + 8),
    };

    public const string EventColumns =
        "seq, id, run_id, type, summary, occurred_at, step_id, agent_id, idempotency_key, payload_json, fingerprint";

    public static EventDocument Event(NpgsqlDataReader r, int at = 0) => new()
    {
        Sequence = r.GetInt64(at + 0),
        Id = r.Id(at + 1),
        RunId = r.Id(at + 2),
        Type = r.Text(at + 3),
        Summary = r.Text(at + 4),
        Timestamp = r.Utc(at + 5),
        StepId = r.NullableString(at + 6),
        AgentId = r.NullableString(at + 7),
        IdempotencyKey = r.NullableString(at + 8),
        PayloadJson = r.NullableString(at + 9),
    };

    /// <summary>The fingerprint column of an <see cref="EventColumns"/> row.</summary>
    public static string? Fingerprint(NpgsqlDataReader r, int at = 0) => r.NullableString(at + 10);

    public const string AttachmentColumns = "kind, item_id, mission_id, definition_json, created_at, updated_at";

    public static AttachmentDocument Attachment(NpgsqlDataReader r, int at = 0) =>
        new(AttachmentKind.All.Single(k => k.Key == r.Text(at + 0)), r.Text(at + 1), r.Id(at + 2), r.Text(at + 3), r.Utc(at + 4), r.Utc(at + 5));

    public const string LinkColumns = "run_id, telnyx_agent_id, created_at";

    /// <summary><see cref="MissionColumns"/> prefixed by a table alias (<c>m.organization, m.id, …</c>).</summary>
    public static string Of(string alias, string columns) => string.Join(", ", columns.Split(", ").Select(c => $"{alias}.{c}"));

    public static AgentLinkDocument Link(NpgsqlDataReader r, int at = 0) => new(r.Id(at + 0), r.Text(at + 1), r.Utc(at + 2));

    public const string WebhookColumns = "organization, id, url, event_types, mission_id, description, enabled, created_at, updated_at";

    public static WebhookDocument Webhook(NpgsqlDataReader r, int at = 0) => new()
    {
        Organization = r.Text(at + 0),
        Id = r.Id(at + 1),
        Url = r.Text(at + 2),
        EventTypes = r.TextArray(at + 3),
        MissionId = r.NullableId(at + 4),
        Description = r.NullableString(at + 5),
        Enabled = r.GetBoolean(at + 6),
        CreatedAt = r.Utc(at + 7),
        UpdatedAt = r.Utc(at + 8),
    };

    public const string DeliveryColumns =
        "organization, id, webhook_id, event_id, event_type, occurred_at, run_id, change_number, subject_kind, subject_json, status, attempts, " +
        "schedule_start, last_status_code, last_error, last_response_excerpt, next_attempt_at, created_at, updated_at";

    /// <summary>How many columns <see cref="DeliveryColumns"/> names: where an endpoint's columns start in a row that holds a delivery, then its endpoint.</summary>
    public const int DeliveryColumnCount = 19;

    public static DeliveryDocument Delivery(NpgsqlDataReader r, int at = 0) => new()
    {
        Organization = r.Text(at + 0),
        Id = r.Id(at + 1),
        WebhookId = r.Id(at + 2),
        EventId = r.Id(at + 3),
        EventType = r.Text(at + 4),
        OccurredAt = r.Utc(at + 5),
        RunId = r.NullableId(at + 6),
        ChangeNumber = r.GetInt64(at + 7),
        SubjectKind = r.Text(at + 8),
        SubjectJson = r.Text(at + 9),
        Status = r.Text(at + 10),
        Attempts = r.GetInt32(at + 11),
        ScheduleStart = r.GetInt32(at + 12),
        LastStatusCode = r.NullableInt(at + 13),
        LastError = r.NullableString(at + 14),
        LastResponseExcerpt = r.NullableString(at + 15),
        NextAttemptAt = r.NullableUtc(at + 16),
        CreatedAt = r.Utc(at + 17),
        UpdatedAt = r.Utc(at + 18),
    };
}
