using Microsoft.Extensions.Options;

namespace Missions.Grpc.Answers;

/// <summary>The slots large answers take while they are built and written (<see cref="AnswerOptions.MaxConcurrentLarge"/>).</summary>
internal sealed class LargeAnswerSlots(IOptions<AnswerOptions> options) : IDisposable
{
    private readonly SemaphoreSlim _slots = new(options.Value.MaxConcurrentLarge, options.Value.MaxConcurrentLarge);

    /// <summary>Waits for a slot (until <paramref name="cancellationToken"/>: the call's deadline or its caller gone); disposing gives it back.</summary>
    public async Task<IDisposable> TakeAsync(CancellationToken cancellationToken)
    {
        await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        return new Slot(_slots);
    }

    public void Dispose() => _slots.Dispose();

    private sealed class Slot(SemaphoreSlim slots) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                slots.Release();
            }
        }
    }
}
