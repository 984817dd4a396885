using Npgsql;

namespace Missions.Grpc.Storage.Postgres;

/// <summary>The column lists the stores select, and the documents read from them (in that column order).</summary>
internal static class PostgresRows
{
    public const string MissionColumns =
        "organization, id, name, description, model, instructions, execution_mode, metadata_json, created_at, updated_at";

    public static MissionDocument Mission(NpgsqlDataReader r) => new()
    {
        Organization = r.Text(0),
        Id = r.Id(1),
        Name = r.Text(2),
        Description = r.NullableString(3),
        Model = r.NullableString(4),
        Instructions = r.NullableString(5),
        ExecutionMode = r.Text(6),
        MetadataJson = r.NullableString(7),
        CreatedAt = r.Utc(8),
        UpdatedAt = r.Utc(9),
    };

    public const string RunColumns =
        "organization, id, mission_id, status, started_at, updated_at, finished_at, input_json, metadata_json, result_summary, result_payload_json, error";

    public static RunDocument Run(NpgsqlDataReader r) => new()
    {
        Organization = r.Text(0),
        Id = r.Id(1),
        MissionId = r.Id(2),
        Status = r.Text(3),
        StartedAt = r.Utc(4),
        UpdatedAt = r.Utc(5),
        FinishedAt = r.NullableUtc(6),
        InputJson = r.NullableString(7),
        MetadataJson = r.NullableString(8),
        ResultSummary = r.NullableString(9),
        ResultPayloadJson = r.NullableString(10),
        Error = r.NullableString(11),
    };

    public const string StepColumns =
        "step_id, run_id, sequence, description, status, parent_step_id, metadata_json, started_at, completed_at";

    public static StepDocument Step(NpgsqlDataReader r) => new()
    {
        StepId = r.Text(0),
        RunId = r.Id(1),
        Sequence = r.GetInt32(2),
        Description = r.Text(3),
        Status = r.Text(4),
        ParentStepId = r.NullableString(5),
        MetadataJson = r.NullableString(6),
        StartedAt = r.NullableUtc(7),
        CompletedAt = r.NullableUtc(8),
    };

    public const string EventColumns =
        "seq, id, run_id, type, summary, occurred_at, step_id, agent_id, idempotency_key, payload_json, fingerprint";

    public static EventDocument Event(NpgsqlDataReader r) => new()
    {
        Sequence = r.GetInt64(0),
        Id = r.Id(1),
        RunId = r.Id(2),
        Type = r.Text(3),
        Summary = r.Text(4),
        Timestamp = r.Utc(5),
        StepId = r.NullableString(6),
        AgentId = r.NullableString(7),
        IdempotencyKey = r.NullableString(8),
        PayloadJson = r.NullableString(9),
    };

    /// <summary>The fingerprint column of an <see cref="EventColumns"/> row.</summary>
    public static string? Fingerprint(NpgsqlDataReader r) => r.NullableString(10);

    public const string AttachmentColumns = "kind, item_id, mission_id, definition_json, created_at, updated_at";

    public static AttachmentDocument Attachment(NpgsqlDataReader r) =>
        new(AttachmentKind.All.Single(k => k.Key == r.Text(0)), r.Text(1), r.Id(2), r.Text(3), r.Utc(4), r.Utc(5));

    public const string LinkColumns = "run_id, telnyx_agent_id, created_at";

    public static AgentLinkDocument Link(NpgsqlDataReader r) => new(r.Id(0), r.Text(1), r.Utc(2));
}
