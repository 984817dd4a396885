namespace Missions.Grpc.Storage;

/// <summary>
/// A write (or a stream) would go past a limit of the caller's organization or key: nothing was stored. Waiting does not
/// help; deleting something, or a higher limit, does. gRPC <c>RESOURCE_EXHAUSTED</c> with <c>google.rpc.QuotaFailure</c>
/// and <c>google.rpc.ErrorInfo</c> reason <c>QUOTA_EXCEEDED</c>; REST <c>429</c> without <c>Retry-After</c>.
/// </summary>
/// <param name="quota">The setting that sets the limit, e.g. <c>Quotas:MaxMissionsPerOrganization</c> (the QuotaFailure's subject).</param>
/// <param name="limit">The limit.</param>
/// <param name="detail">What was refused and what to do, the REST <c>detail</c> and the gRPC status message.</param>
public sealed class QuotaExceededException(string quota, long limit, string detail) : Exception(detail)
{
    public string Quota { get; } = quota;

    public long Limit { get; } = limit;
}
