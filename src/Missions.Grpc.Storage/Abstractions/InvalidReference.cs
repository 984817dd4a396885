namespace Missions.Grpc.Storage;

/// <summary>One invalid reference: the request field path (e.g. <c>steps, 2, parent_step_id</c>) and why.</summary>
public sealed record InvalidReference(IReadOnlyList<object> Path, string Message);
