namespace Missions.Grpc.Protocol;

/// <summary>A framework this build depends on is not the one it was written against; the message says what to review.</summary>
internal sealed class IncompatibleFrameworkException(string message) : Exception(message);
