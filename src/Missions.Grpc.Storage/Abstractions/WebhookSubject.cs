using System.Text.Json;

namespace Missions.Grpc.Storage;

/// <summary>
/// A delivery's subject as kept with it: the run, event or step as stored at the change, in storage's own JSON (the
/// server renders it as the API does when it sends). Read back with <see cref="Run"/>, <see cref="Event"/>, <see cref="Step"/>.
/// </summary>
public static class WebhookSubject
{
    public const string RunKind = "run";
    public const string EventKind = "event";
    public const string StepKind = "step";
    public const string TestKind = "test";

    public static string Of(RunDocument run) => JsonSerializer.Serialize(run, WebhookSubjectJson.Default.RunDocument);

    public static string Of(EventDocument @event) => JsonSerializer.Serialize(@event, WebhookSubjectJson.Default.EventDocument);

    public static string Of(StepDocument step) => JsonSerializer.Serialize(step, WebhookSubjectJson.Default.StepDocument);

    public static RunDocument Run(string json) => JsonSerializer.Deserialize(json, WebhookSubjectJson.Default.RunDocument)!;

    public static EventDocument Event(string json) => JsonSerializer.Deserialize(json, WebhookSubjectJson.Default.EventDocument)!;

    public static StepDocument Step(string json) => JsonSerializer.Deserialize(json, WebhookSubjectJson.Default.StepDocument)!;
}
