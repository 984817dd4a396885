using Grpc.Core;
using Missions.Grpc.Storage;

namespace Missions.Grpc.Idempotency;

/// <summary>
/// A call's <c>Idempotency-Key</c> travels on the call itself: <see cref="IdempotencyInterceptor"/> puts it on the
/// call's context, and the handler passes it, explicitly, to the one write the request makes.
/// </summary>
internal static class IdempotencyCallContext
{
    private static readonly object Slot = new();

    /// <summary>The call's key, as its write takes it; null when the call carries none.</summary>
    public static IdempotencyScope? Idempotency(this ServerCallContext context) =>
        context.UserState.TryGetValue(Slot, out var scope) ? (IdempotencyScope)scope : null;

    internal static void SetIdempotency(this ServerCallContext context, IdempotencyScope scope) => context.UserState[Slot] = scope;
}
