using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace Missions.Grpc.Answers;

/// <summary>
/// The slots large answers take while they are built and written: at most <see cref="AnswerOptions.MaxConcurrentLarge"/>
/// in all, and <see cref="AnswerOptions.MaxConcurrentLargePerKey"/> per API key, so that one caller cannot hold them all.
/// </summary>
internal sealed class LargeAnswerSlots(IOptions<AnswerOptions> options) : IDisposable
{
    private readonly SemaphoreSlim _slots = new(options.Value.MaxConcurrentLarge, options.Value.MaxConcurrentLarge);
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _perKey = new(StringComparer.Ordinal);

    /// <summary>
    /// Waits for a slot of <paramref name="keyId"/>, then for one of the server's (until <paramref name="cancellationToken"/>:
    /// the call's deadline or its caller gone); disposing gives both back.
    /// </summary>
    public async Task<IDisposable> TakeAsync(string keyId, CancellationToken cancellationToken)
    {
        var own = _perKey.GetOrAdd(keyId, static (_, most) => new SemaphoreSlim(most, most), options.Value.MaxConcurrentLargePerKey);
        await own.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            own.Release();
            throw;
        }
        return new Slot(_slots, own);
    }

    public void Dispose()
    {
        _slots.Dispose();
        foreach (var own in _perKey.Values)
        {
            own.Dispose();
        }
    }

    private sealed class Slot(SemaphoreSlim slots, SemaphoreSlim own) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                slots.Release();
                own.Release();
            }
        }
    }
}
