using Microsoft.Extensions.Options;
using Missions.Grpc.Storage;

namespace Missions.Grpc.Webhooks;

/// <summary>
/// Sends the webhook deliveries the write pipeline queued (the outbox), at least once. Each round claims what is due
/// (<see cref="IWebhookStore.ClaimDueAsync"/>: on PostgreSQL every replica claims, each delivery by one at a time) within
/// <c>Webhooks:MaxConcurrentDeliveries</c> attempts in flight, <c>MaxConcurrentPerEndpoint</c> per endpoint and
/// <c>MaxConcurrentPerOrganization</c> per organization, so slow endpoints hold only their own slots — and one
/// organization's, however many, never every slot. Each attempt is signed, sent, and recorded: 2xx within
/// <c>Webhooks:Timeout</c> ends it; anything else is tried again after the schedule's next wait, or fails when the
/// schedule is over. A claim is a lease: an attempt that is never recorded (the process killed, storage failing) makes
/// the delivery due again when the lease ends, for this replica or another.
/// </summary>
internal sealed class WebhookDispatcher(
    IWebhookStore store, WebhookHttp http, WebhookKeys keys, IOptions<WebhookOptions> options, WebhookMetrics metrics, TimeProvider time,
    ILogger<WebhookDispatcher> logger) : BackgroundService
{
    private const int PurgeBatch = 1000;
    private static readonly TimeSpan PurgeInterval = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan CountInterval = TimeSpan.FromSeconds(10);
    private readonly Dictionary<Guid, int> _perEndpoint = [];
    private readonly Dictionary<string, int> _perOrganization = new(StringComparer.Ordinal);
    private TaskCompletionSource _freed = NewSignal();
    private int _inFlight;

    private WebhookOptions Options => options.Value;

    /// <summary>How long a claim holds a delivery: an attempt, its answer and its record fit well within it.</summary>
    public TimeSpan Lease => Options.Timeout * 2 + TimeSpan.FromSeconds(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var nextPurge = time.GetUtcNow() + TimeSpan.FromSeconds(30);
        var nextCount = time.GetUtcNow();
        while (!stoppingToken.IsCancellationRequested)
        {
            // Taken before the claim: a delivery queued, or a slot freed, meanwhile ends the wait below at once.
            var queued = store.WhenDeliveriesQueuedAsync(stoppingToken);
            var freed = Volatile.Read(ref _freed).Task;
            var full = false;
            try
            {
                full = await ClaimAndSendAsync(stoppingToken);
                if (time.GetUtcNow() >= nextCount)
                {
                    nextCount = time.GetUtcNow() + CountInterval;
                    metrics.Pending(await store.CountPendingDeliveriesAsync(stoppingToken));
                }
                if (time.GetUtcNow() >= nextPurge)
                {
                    nextPurge = time.GetUtcNow() + PurgeInterval;
                    await PurgeAsync(stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception error) when (error is StorageUnavailableException or TimeoutException)
            {
                WebhookLog.StorageFailed(logger, error.Message, Options.PollInterval);
            }
            catch (Exception error) when (error is not OutOfMemoryException and not OperationCanceledException)
            {
                // A defect must not stop the host (a background service's exception would): logged, tried again after the poll.
                WebhookLog.DispatchFailed(logger, error, Options.PollInterval);
            }
            if (!full)
            {
                // Until the poll interval passes (other replicas' deliveries), an attempt ends (a slot is free again), or a
                // write of this process queues deliveries.
                await Task.WhenAny(freed, queued, Task.Delay(Options.PollInterval, time, stoppingToken));
                if (stoppingToken.IsCancellationRequested)
                {
                    break;
                }
            }
        }
    }

    /// <summary>One round: claims what is due within the free slots and starts each attempt; true when every slot was filled.</summary>
    private async Task<bool> ClaimAndSendAsync(CancellationToken stoppingToken)
    {
        Dictionary<Guid, int> free;
        Dictionary<string, int> freeByOrganization;
        int slots;
        lock (_perEndpoint)
        {
            slots = Options.MaxConcurrentDeliveries - _inFlight;
            free = _perEndpoint.ToDictionary(e => e.Key, e => Options.MaxConcurrentPerEndpoint - e.Value);
            freeByOrganization = _perOrganization.ToDictionary(o => o.Key, o => Options.MaxConcurrentPerOrganization - o.Value, StringComparer.Ordinal);
        }
        if (slots <= 0)
        {
            return false;
        }
        var claimed = await store.ClaimDueAsync(
            new DeliveryClaim(slots, Options.MaxConcurrentPerEndpoint, free, Lease, Options.MaxConcurrentPerOrganization, freeByOrganization), stoppingToken);
        foreach (var due in claimed)
        {
            var endpoint = Guid.Parse(due.Delivery.WebhookId);
            lock (_perEndpoint)
            {
                _inFlight++;
                _perEndpoint[endpoint] = _perEndpoint.GetValueOrDefault(endpoint) + 1;
                _perOrganization[due.Delivery.Organization] = _perOrganization.GetValueOrDefault(due.Delivery.Organization) + 1;
            }
            metrics.InFlight(+1);
            _ = Task.Run(() => AttemptAsync(due, endpoint, stoppingToken), CancellationToken.None);
        }
        return claimed.Count == slots;
    }

    private async Task AttemptAsync(DueDelivery due, Guid endpoint, CancellationToken stoppingToken)
    {
        try
        {
            var delivery = due.Delivery;
            WebhookResponse response;
            try
            {
                var body = WebhookEnvelope.Body(delivery, due.Url);
                var timestamp = WebhookSigner.Timestamp(time.GetUtcNow());
                var headers = new Dictionary<string, string>
                {
                    [WebhookSigner.TimestampHeader] = timestamp,
                    [WebhookSigner.SignatureHeader] = keys.Signer.Sign(timestamp, body),
                };
                response = await http.PostAsync(new Uri(due.Url), body, headers, stoppingToken);
            }
            catch (Exception defect) when (defect is not OutOfMemoryException and not OperationCanceledException)
            {
                // Not sent (a defect, or a stored subject that cannot be read back): a failed attempt like any other, so
                // the schedule ends it instead of a lease bringing it back for ever.
                WebhookLog.SendFailed(logger, delivery.Id, defect);
                response = new WebhookResponse(null, "The delivery could not be built or sent (a server error, logged).", null, TimeSpan.Zero);
            }
            var succeeded = response.StatusCode is >= 200 and < 300;
            metrics.Attempted(succeeded ? "success" : response.StatusCode is null ? "no_response" : "http_error", response.Elapsed);
            var error = succeeded ? null : response.StatusCode is { } status ? $"The endpoint answered HTTP {status}." : response.Error;
            var retryAt = succeeded ? null : NextAttempt(delivery);
            await store.RecordAttemptAsync(new DeliveryAttempt(
                delivery.Organization, Guid.Parse(delivery.Id), delivery.Attempts, succeeded, response.StatusCode, error, response.Excerpt, retryAt), stoppingToken);
            if (succeeded)
            {
                metrics.Delivered(time.GetUtcNow().UtcDateTime - delivery.OccurredAt);
            }
            else if (retryAt is { } next)
            {
                WebhookLog.AttemptFailed(logger, delivery.Id, delivery.EventType, delivery.Attempts, error ?? "", next);
            }
            else
            {
                metrics.Failed();
                WebhookLog.DeliveryFailed(logger, delivery.Id, delivery.EventType, delivery.Attempts, error ?? "");
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: the attempt is not recorded, and its lease brings the delivery back.
        }
        catch (Exception error) when (error is StorageUnavailableException or TimeoutException)
        {
            WebhookLog.StorageFailed(logger, error.Message, Lease); // not recorded: the lease brings it back
        }
        finally
        {
            lock (_perEndpoint)
            {
                _inFlight--;
                if (--_perEndpoint[endpoint] == 0)
                {
                    _perEndpoint.Remove(endpoint);
                }
                if (--_perOrganization[due.Delivery.Organization] == 0)
                {
                    _perOrganization.Remove(due.Delivery.Organization);
                }
            }
            metrics.InFlight(-1);
            Interlocked.Exchange(ref _freed, NewSignal()).TrySetResult();
        }
    }

    /// <summary>When to try again after this attempt failed: the schedule's next wait since the schedule began; null when it is over.</summary>
    private DateTime? NextAttempt(DeliveryDocument delivery)
    {
        var made = delivery.Attempts - delivery.ScheduleStart; // attempts of this schedule, this one included
        return made <= Options.RetrySchedule.Length ? time.GetUtcNow().UtcDateTime + Options.RetrySchedule[made - 1] : null;
    }

    private async Task PurgeAsync(CancellationToken stoppingToken)
    {
        var before = time.GetUtcNow().UtcDateTime - Options.DeliveryRetention;
        int purged;
        var total = 0;
        do
        {
            purged = await store.PurgeDeliveriesAsync(before, PurgeBatch, stoppingToken);
            total += purged;
        }
        while (purged == PurgeBatch && !stoppingToken.IsCancellationRequested);
        if (total > 0)
        {
            WebhookLog.Purged(logger, total, before);
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
