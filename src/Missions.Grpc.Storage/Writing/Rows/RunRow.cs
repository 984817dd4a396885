namespace Missions.Grpc.Storage.Writing;

/// <summary>
/// A run as the write side keeps it: the document and its change number — the last number one of its changes took (an
/// event, a change of the run or of a step): the run's commit order, whatever process wrote each change.
/// </summary>
internal sealed record RunRow(RunDocument Run, long ChangeNumber);
