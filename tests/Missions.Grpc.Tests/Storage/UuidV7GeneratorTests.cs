using Missions.Grpc.Storage.Core;

namespace Missions.Grpc.Tests.Storage;

public sealed class UuidV7GeneratorTests
{
    /// <summary>A clock frozen on one millisecond: every id must still be larger than the last.</summary>
    private sealed class FrozenClock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }

    [Fact]
    public void Ids_within_one_millisecond_are_strictly_increasing_as_bytes_and_strings()
    {
        var clock = new FrozenClock(DateTimeOffset.Parse("2026-11-29T12:00:00Z"));
        var generator = new UuidV7Generator(clock);
        var ids = Enumerable.Range(0, 100_000).Select(_ => generator.NewId()).ToList();

        var strings = ids.Select(i => i.ToString()).ToList();
        Assert.Equal(strings.Order(StringComparer.Ordinal), strings);
        Assert.Equal(ids.Count, strings.Distinct().Count());
        Assert.All(ids, id =>
        {
            Assert.Equal(7, id.Version);
            Assert.Equal(0x8, id.ToByteArray(bigEndian: true)[8] >> 4 & 0xC);
        });
        var ms = clock.Now.ToUnixTimeMilliseconds();
        Assert.Equal(ms.ToString("x12"), strings[0].Replace("-", "")[..12]);
    }

    [Fact]
    public void A_clock_going_back_does_not_break_the_order()
    {
        var clock = new FrozenClock(DateTimeOffset.Parse("2026-11-29T12:00:00Z"));
        var generator = new UuidV7Generator(clock);
        var before = generator.NewId().ToString();
        clock.Now = clock.Now.AddSeconds(-5);
        var after = generator.NewId().ToString();
        Assert.True(string.CompareOrdinal(before, after) < 0);
    }

    [Fact]
    public void Concurrent_generation_yields_distinct_ids()
    {
        var generator = new UuidV7Generator();
        var ids = new System.Collections.Concurrent.ConcurrentBag<Guid>();
        Parallel.For(0, 8, _ =>
        {
            for (var i = 0; i < 10_000; i++)
            {
                ids.Add(generator.NewId());
            }
        });
        Assert.Equal(80_000, ids.Distinct().Count());
    }
}
