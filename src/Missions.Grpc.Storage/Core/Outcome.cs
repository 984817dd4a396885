namespace Missions.Grpc.Storage.Core;

/// <summary>
/// What a rule or a write command decided: a value, or the error to raise once the write has returned. Expected
/// outcomes (not found, conflicts) are returned rather than thrown: a command that throws rolls back the whole batch
/// it shares with other callers' writes.
/// </summary>
internal readonly record struct Outcome<T>(T? Value, Exception? Error)
{
    public static implicit operator Outcome<T>(T value) => new(value, null);

    public static Outcome<T> Fail(Exception error) => new(default, error);

    /// <summary>A value (where an implicit conversion cannot apply: interfaces).</summary>
    public static Outcome<T> From(T value) => new(value, null);

    public bool Failed => Error is not null;

    public T Unwrap() => Error is null ? Value! : throw Error;
}
