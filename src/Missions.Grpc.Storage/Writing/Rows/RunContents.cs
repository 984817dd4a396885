namespace Missions.Grpc.Storage.Writing;

/// <summary>
/// What a run holds that its counters count, as loaded for a delete: how many steps, and its events grouped by what they
/// are counted under (type, step, agent).
/// </summary>
internal sealed record RunContents(int Steps, IReadOnlyList<(string Type, string? StepId, string? AgentId, int Count)> Events);
