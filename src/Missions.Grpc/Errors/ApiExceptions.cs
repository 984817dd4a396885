namespace Missions.Grpc.Errors;

/// <summary>The resource does not exist for the caller (unknown id, or another organization's).</summary>
public sealed class ResourceNotFoundException(string resource)
    : Exception($"{resource} not found");

/// <summary>The request conflicts with the resource's state (illegal transition, duplicate id).</summary>
public sealed class ConflictException(string detail, bool alreadyExists = false) : Exception(detail)
{
    public bool AlreadyExists { get; } = alreadyExists;
}
