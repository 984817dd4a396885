namespace Missions.Grpc.Storage;

/// <summary>
/// The resource does not exist for the caller: an unknown id, another organization's resource, or a
/// child addressed under a parent it does not belong to. The message is the REST <c>detail</c>.
/// </summary>
public sealed class ResourceNotFoundException(string resource) : Exception($"{resource} not found")
{
    /// <summary>What was not found, as the API names it ("Mission", "Run", …).</summary>
    public string Resource { get; } = resource;
}
