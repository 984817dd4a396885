namespace Missions.Grpc.Validation;

/// <summary>Thrown by validation; the exception interceptor turns it into INVALID_ARGUMENT + BadRequest.</summary>
internal sealed class RequestValidationException(IReadOnlyList<Violation> violations)
    : Exception("Request validation failed: " + string.Join("; ", violations.Select(v => $"{v.FieldPath}: {v.Message}")))
{
    public IReadOnlyList<Violation> Violations { get; } = violations;
}
