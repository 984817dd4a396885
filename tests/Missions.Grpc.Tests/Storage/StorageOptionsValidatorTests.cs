using Missions.Grpc.Storage;

namespace Missions.Grpc.Tests.Storage;

/// <summary>The storage limits are checked at start, each refusal naming its setting.</summary>
public sealed class StorageOptionsValidatorTests
{
    private static Microsoft.Extensions.Options.ValidateOptionsResult Validate(LiteDbOptions liteDb) =>
        new StorageOptionsValidator().Validate(null, new StorageOptions { LiteDb = liteDb });

    [Fact]
    public void The_defaults_are_valid() => Assert.True(Validate(new LiteDbOptions()).Succeeded);

    [Theory]
    [InlineData(0, 8 << 20, 0, "Storage:LiteDb:MaxBatchSize must be between 1 and 100000.")]
    [InlineData(256, 65535, 0, "Storage:LiteDb:CheckpointLogBytes must be at least 65536 (64 KiB).")]
    [InlineData(256, 8 << 20, -1, "Storage:LiteDb:MinFreeBytes must not be negative.")]
    public void Out_of_range_values_are_refused_with_the_setting_named(int maxBatch, long checkpointLogBytes, long minFreeBytes, string message)
    {
        var result = Validate(new LiteDbOptions { MaxBatchSize = maxBatch, CheckpointLogBytes = checkpointLogBytes, MinFreeBytes = minFreeBytes });
        Assert.True(result.Failed);
        Assert.Equal(message, result.FailureMessage);
    }
}
