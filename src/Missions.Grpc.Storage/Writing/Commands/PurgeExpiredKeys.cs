using Missions.Grpc.Storage.Core;

namespace Missions.Grpc.Storage.Writing.Commands;

/// <summary>A bounded round of the <c>Idempotency-Key</c> purge: records expired before <paramref name="now"/>, about <paramref name="limit"/> of them.</summary>
internal sealed class PurgeExpiredKeys(DateTime now, int limit) : WriteCommand<int>
{
    public override string Operation => "PurgeExpired";

    public override string? Organization => null;

    public override void Declare(BatchNeeds needs) => needs.Expired(now, limit);

    public override Outcome<int> Execute(BatchState batch) => batch.PurgeExpired();
}
