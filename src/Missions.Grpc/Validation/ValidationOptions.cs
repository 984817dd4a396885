using System.ComponentModel.DataAnnotations;

namespace Missions.Grpc.Validation;

/// <summary>Configuration section <c>Validation</c> (validated at start).</summary>
public sealed class ValidationOptions
{
    public const string SectionName = "Validation";

    /// <summary>
    /// Deepest nesting accepted inside a free-form object (<c>metadata</c>, <c>payload</c>, …). At most
    /// <see cref="MessageValidator.MaxConfigurableDepth"/>: protobuf's parser stops at 100 nested messages, each JSON level is two.
    /// </summary>
    [Range(1, MessageValidator.MaxConfigurableDepth)]
    public int MaxFreeFormDepth { get; set; } = MessageValidator.DefaultMaxFreeFormDepth;

    /// <summary>
    /// Largest free-form value (<c>metadata</c>, a run's <c>input</c> and <c>result_payload</c>, an event's <c>payload</c>,
    /// a step's <c>metadata</c>, …), as the JSON the API answers with; larger answers 422 naming the field and the limit.
    /// It bounds what one object, and so one page, can weigh (README: Limits).
    /// </summary>
    [Range(1024, 16 * 1024 * 1024)]
    public int MaxFreeFormBytes { get; set; } = MessageValidator.DefaultMaxFreeFormBytes;
}
