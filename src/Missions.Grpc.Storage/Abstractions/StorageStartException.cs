namespace Missions.Grpc.Storage;

/// <summary>
/// The storage cannot be opened, so the server cannot start. The message is one line an operator can act on:
/// what is wrong, what to do, and that the files were left as they were.
/// </summary>
public sealed class StorageStartException(string message, Exception? inner = null) : Exception(message, inner);
