using Missions.Grpc.Idempotency;
using Missions.Grpc.Storage;
using Missions.Grpc.Tests.Infrastructure;

namespace Missions.Grpc.Tests.Unit;

/// <summary>The background purge: a failing round is skipped, the server keeps running, the next round runs.</summary>
public sealed class IdempotencyPurgeTests
{
    [Fact]
    public async Task A_purge_that_throws_is_retried_at_its_interval_and_never_stops_the_host()
    {
        var keys = new FailingKeys();
        var options = Microsoft.Extensions.Options.Options.Create(new IdempotencyOptions { PurgeIntervalSeconds = 1 });
        using var purge = new IdempotencyPurge(keys, options, TestMetrics.Api(), Microsoft.Extensions.Logging.Abstractions.NullLogger<IdempotencyPurge>.Instance);

        await purge.StartAsync(CancellationToken.None);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (keys.Calls < 2 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.True(keys.Calls >= 2, $"the purge ran {keys.Calls} time(s)");
        Assert.False(purge.ExecuteTask!.IsFaulted);
        await purge.StopAsync(CancellationToken.None);
    }

    private sealed class FailingKeys : IIdempotencyStore
    {
        private int _calls;

        public int Calls => Volatile.Read(ref _calls);

        public Task<int> PurgeExpiredAsync(int limit, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _calls);
            throw new InvalidOperationException("an unexpected storage failure");
        }

        public Task<long> CountAsync(CancellationToken cancellationToken = default) => Task.FromResult(0L);
    }
}
