using Google.Protobuf.WellKnownTypes;
using Missions.Grpc.Storage;
using Missions.Grpc.V1;
using Bucket = Missions.Grpc.V1.MissionStats.Types.BucketWidth;
using Status = Missions.Grpc.V1.MissionRun.Types.Status;

namespace Missions.Grpc.Mapping;

/// <summary>Explicit mapping of a mission's run statistics to their message.</summary>
internal static class RunStatsMapping
{
    public static MissionStatsResponse ToResponse(this RunStats stats)
    {
        var message = new MissionStats
        {
            MissionId = stats.MissionId,
            TotalRuns = stats.TotalRuns,
            WindowRuns = stats.WindowRuns,
            WindowStart = stats.WindowStart is { } start ? Timestamp.FromDateTime(start) : null,
            WindowEnd = stats.WindowEnd is { } end ? Timestamp.FromDateTime(end) : null,
            StatusCounts = { stats.StatusCounts.Select(ToProto) },
            Bucket = stats.Bucket == RunStatsBucketWidth.Hour ? Bucket.Hour : Bucket.Day,
            Buckets = { stats.Buckets.Select(b => new MissionStatsBucket { Start = Timestamp.FromDateTime(b.Start), StatusCounts = { b.StatusCounts.Select(ToProto) } }) },
        };
        if (stats.SuccessRate is { } rate)
        {
            message.SuccessRate = rate;
        }
        if (stats.DurationP50Seconds is { } p50)
        {
            message.DurationP50Seconds = p50;
        }
        if (stats.DurationP95Seconds is { } p95)
        {
            message.DurationP95Seconds = p95;
        }
        return new MissionStatsResponse { Data = message };
    }

    private static RunStatusCount ToProto(RunStatsCount count) => new() { Status = ProtoEnum<Status>.Parse(count.Status), Count = count.Count };
}
