using System.Text.Json.Serialization;

namespace Missions.Grpc.Storage;

/// <summary>The source-generated JSON of <see cref="WebhookSubject"/>.</summary>
[JsonSerializable(typeof(RunDocument))]
[JsonSerializable(typeof(EventDocument))]
[JsonSerializable(typeof(StepDocument))]
internal sealed partial class WebhookSubjectJson : JsonSerializerContext;
