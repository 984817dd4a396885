using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Missions.Grpc.Storage.Core;

/// <summary>
/// UUID version 7 ids (RFC 9562) that are strictly increasing within this process, even for ids
/// made in the same millisecond: RFC 9562 §6.2 method 2, a counter in the 74 bits after the
/// timestamp, seeded randomly each millisecond with its top bit clear so it has room to grow.
/// <see cref="Guid.CreateVersion7()"/> alone is random within a millisecond, hence unordered.
/// Ids compare in creation order both as bytes and as their lowercase string form.
/// </summary>
internal sealed class UuidV7Generator
{
    private const ulong CounterMask = (1UL << 62) - 1; // low 62 bits live in rand_b, 12 more in rand_a
    private readonly Lock _gate = new();
    private readonly TimeProvider _clock;
    private long _lastMs = -1;
    private ulong _randA;  // 12 bits
    private ulong _randB;  // 62 bits

    public UuidV7Generator(TimeProvider? clock = null) => _clock = clock ?? TimeProvider.System;

    public Guid NewId()
    {
        Span<byte> random = stackalloc byte[10];
        long ms;
        ulong a, b;
        lock (_gate)
        {
            ms = _clock.GetUtcNow().ToUnixTimeMilliseconds();
            if (ms > _lastMs)
            {
                RandomNumberGenerator.Fill(random);
                _randA = BinaryPrimitives.ReadUInt16BigEndian(random) & 0x07FFUL; // top bit clear: room to count
                _randB = BinaryPrimitives.ReadUInt64BigEndian(random[2..]) & CounterMask;
                _lastMs = ms;
            }
            else
            {
                // Same millisecond (or the clock went back): keep the last timestamp and count up.
                ms = _lastMs;
                _randB = (_randB + 1) & CounterMask;
                if (_randB == 0)
                {
                    _randA++;
                    if (_randA > 0x0FFF)
                    {
                        // Counter exhausted (2^73 ids in one ms is not reachable); borrow the next millisecond.
                        _lastMs = ++ms;
                        _randA = 0;
                    }
                }
            }
            a = _randA;
            b = _randB;
        }

        Span<byte> bytes = stackalloc byte[16];
        bytes[0] = (byte)(ms >> 40);
        bytes[1] = (byte)(ms >> 32);
        bytes[2] = (byte)(ms >> 24);
        bytes[3] = (byte)(ms >> 16);
        bytes[4] = (byte)(ms >> 8);
        bytes[5] = (byte)ms;
        bytes[6] = (byte)(0x70 | (int)(a >> 8));        // version 7
        bytes[7] = (byte)a;
        bytes[8] = (byte)(0x80 | (int)(b >> 56));        // variant 10
        for (var i = 0; i < 7; i++)
        {
            bytes[9 + i] = (byte)(b >> (48 - (8 * i)));
        }
        return new Guid(bytes, bigEndian: true);
    }
}
