using Missions.Grpc.Storage.Core;

namespace Missions.Grpc.Storage.Writing.Commands;

/// <summary>
/// An event of the run's audit trail, under the run's next change number (the run locked). With an idempotency key used
/// before in the run, <see cref="EventRules.Retry"/> decides: the stored event again, or a conflict.
/// </summary>
internal sealed class LogEvent(string organization, Guid missionId, Guid runId, NewEvent newEvent) : WriteCommand<LoggedEvent>
{
    public override string Operation => "LogEvent";

    public override string? Organization => organization;

    public override IEnumerable<Quota> Quotas(QuotaOptions quotas) => [Quota.EventsPerRun(quotas, organization, runId)];

    public override void Declare(BatchNeeds needs)
    {
        needs.Run(organization, missionId, runId);
        if (newEvent.IdempotencyKey is { } key)
        {
            needs.EventKeys.Add((organization, runId, key));
        }
    }

    public override Outcome<LoggedEvent> Execute(BatchState batch)
    {
        var resolved = batch.Run(organization, missionId, runId);
        if (resolved.Failed)
        {
            return Outcome<LoggedEvent>.Fail(resolved.Error!);
        }
        if (newEvent.IdempotencyKey is { } key && batch.EventByKey(organization, runId, key) is { } earlier)
        {
            return EventRules.Retry(earlier.Event, earlier.Fingerprint, newEvent);
        }
        var run = resolved.Value!;
        var created = EventRules.Create(newEvent, batch.Ids.NewId().ToString(), run.Run.Id, sequence: 0, batch.Clock.Now());
        var stored = batch.InsertEvent(run, created, newEvent.IdempotencyKey is null ? null : EventRules.Fingerprint(newEvent));
        return new LoggedEvent(stored, Replayed: false);
    }
}
