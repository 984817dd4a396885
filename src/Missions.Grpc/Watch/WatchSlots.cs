using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Missions.Grpc.Storage;

namespace Missions.Grpc.Watch;

/// <summary>
/// The watch streams each API key holds open, at most <see cref="WatchOptions.MaxStreamsPerKey"/>: a stream takes a slot
/// before it starts and gives it back when it ends, however it ends. One more is refused with
/// <see cref="QuotaExceededException"/> (REST 429, gRPC RESOURCE_EXHAUSTED).
/// </summary>
internal sealed class WatchSlots(IOptions<WatchOptions> options)
{
    private readonly ConcurrentDictionary<string, int> _open = new(StringComparer.Ordinal);

    /// <summary>A slot for a stream of <paramref name="keyId"/>, given back when disposed.</summary>
    public IDisposable Take(string keyId)
    {
        var limit = options.Value.MaxStreamsPerKey;
        while (true)
        {
            var open = _open.GetOrAdd(keyId, 0);
            if (open >= limit)
            {
                throw new QuotaExceededException(
                    "Watch:MaxStreamsPerKey", limit,
                    $"This API key already holds {limit} open watch streams (Watch:MaxStreamsPerKey): close one before opening another.");
            }
            if (_open.TryUpdate(keyId, open + 1, open))
            {
                return new Slot(this, keyId);
            }
        }
    }

    private void Release(string keyId)
    {
        while (true)
        {
            var open = _open[keyId];
            if (open == 1 ? _open.TryRemove(new KeyValuePair<string, int>(keyId, 1)) : _open.TryUpdate(keyId, open - 1, open))
            {
                return;
            }
        }
    }

    private sealed class Slot(WatchSlots slots, string keyId) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                slots.Release(keyId);
            }
        }
    }
}
