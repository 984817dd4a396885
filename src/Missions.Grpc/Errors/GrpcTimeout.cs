namespace Missions.Grpc.Errors;

/// <summary>
/// The <c>grpc-timeout</c> request header (gRPC over HTTP/2: up to 8 digits and a unit, H M S m u n). grpc-dotnet keeps
/// a deadline only when the timeout is at least one tick (100 ns): a shorter one (<c>1n</c>) is dropped and the call runs
/// without a deadline, although its caller has already given up on it.
/// </summary>
internal static class GrpcTimeout
{
    public const string Header = "grpc-timeout";

    /// <summary>Whether <paramref name="value"/> is a valid timeout shorter than one tick: expired on arrival.</summary>
    public static bool ExpiredOnArrival(string? value)
    {
        if (value is not { Length: >= 2 and <= 9 } || !long.TryParse(value.AsSpan(0, value.Length - 1), System.Globalization.NumberStyles.None,
                System.Globalization.CultureInfo.InvariantCulture, out var amount))
        {
            return false;
        }
        var nanoseconds = value[^1] switch
        {
            'n' => amount,
            'u' => amount * 1_000,
            _ => long.MaxValue, // m, S, M, H: at least a millisecond; anything else is not a timeout
        };
        return nanoseconds < TimeSpan.NanosecondsPerTick;
    }
}
