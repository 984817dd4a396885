
namespace Missions.Grpc.Storage.LiteDb;

/// <summary>Times as stored documents carry them: UTC (LiteDB hands back local times).</summary>
internal static class Times
{
    public static DateTime Utc(DateTime stored) => DateTime.SpecifyKind(stored.ToUniversalTime(), DateTimeKind.Utc);

    public static DateTime? Utc(DateTime? stored) => stored is { } value ? Utc(value) : null;
}
