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
}
