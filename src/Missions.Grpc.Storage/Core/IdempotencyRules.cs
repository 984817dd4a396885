using System.Text.Json;
using System.Text.Json.Serialization;

namespace Missions.Grpc.Storage.Core;

/// <summary>The rule both backends apply inside the write's transaction, and the form the stored answer takes.</summary>
internal static class IdempotencyRules
{
    public enum Verdict
    {
        /// <summary>No live record: run the write and store its result under the key.</summary>
        Proceed,

        /// <summary>The same request: return the stored result, write nothing.</summary>
        Replay,

        /// <summary>Another request under the same key: refuse.</summary>
        Reused,
    }

    // Fields included: some writes return value tuples ((RunDocument Run, bool Changed)).
    private static readonly JsonSerializerOptions Json = new() { IncludeFields = true, Converters = { new AttachmentKindConverter() } };

    /// <summary>The counter of stored keys.</summary>
    public static string Counter { get; } = Keys.Of("idempotency-keys", "");

    public static Verdict Decide(string? storedFingerprint, DateTime? expiresAt, IdempotencyScope scope, DateTime now) =>
        storedFingerprint is null || expiresAt <= now ? Verdict.Proceed
        : storedFingerprint == scope.Fingerprint ? Verdict.Replay
        : Verdict.Reused;

    /// <summary>The stored result, returned as the write's own (the caller maps it to the same answer as the first time).</summary>
    public static Outcome<T> Replay<T>(IdempotencyScope scope, string result) => Replay<T>(scope, System.Text.Encoding.UTF8.GetBytes(result));

    /// <inheritdoc cref="Replay{T}(IdempotencyScope, string)"/>
    public static Outcome<T> Replay<T>(IdempotencyScope scope, ReadOnlySpan<byte> utf8Result)
    {
        try
        {
            var stored = JsonSerializer.Deserialize<T>(utf8Result, Json)!;
            scope.Replayed = true;
            return Outcome<T>.From(stored);
        }
        catch (Exception error) when (error is JsonException or NotSupportedException)
        {
            // Returned, not thrown: a command that throws rolls back the batch it shares with other callers' writes.
            return Outcome<T>.Fail(new InvalidOperationException(
                $"The answer stored for Idempotency-Key '{scope.Key}' cannot be read back ({error.GetType().Name}); nothing was written", error));
        }
    }

    public static Outcome<T> Reused<T>(IdempotencyScope scope) => Outcome<T>.Fail(new IdempotencyKeyReusedException(
        $"Idempotency-Key '{scope.Key}' was already used for a different request (another method, path or body); " +
        "send a new key for a new request"));

    public static string Serialize<T>(T result) => JsonSerializer.Serialize(result, Json);

    /// <summary>The same JSON as <see cref="Serialize{T}"/>, as UTF-8 (what a backend storing bytes keeps, without a string between).</summary>
    public static byte[] SerializeToUtf8Bytes<T>(T result) => JsonSerializer.SerializeToUtf8Bytes(result, Json);

    public static DateTime ExpiresAt(IdempotencyScope scope, DateTime now) => now + scope.Retention;

    /// <summary>Attachment kinds by their key (the kinds are fixed instances).</summary>
    private sealed class AttachmentKindConverter : JsonConverter<AttachmentKind>
    {
        public override AttachmentKind Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            var key = reader.GetString();
            return AttachmentKind.All.Single(kind => kind.Key == key);
        }

        public override void Write(Utf8JsonWriter writer, AttachmentKind value, JsonSerializerOptions options) => writer.WriteStringValue(value.Key);
    }
}
