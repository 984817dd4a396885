namespace Missions.Grpc.Webhooks;

/// <summary>
/// One attempt's outcome. <paramref name="StatusCode"/> is null when no HTTP answer came (<paramref name="Error"/> says
/// why); an error beside a status means the answer's body failed after its status line (the status stands).
/// <paramref name="Excerpt"/> is the start of the answer's body as text, whitespace collapsed.
/// </summary>
internal sealed record WebhookResponse(int? StatusCode, string? Error, string? Excerpt, TimeSpan Elapsed);
