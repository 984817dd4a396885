
namespace Missions.Grpc.Rest;

/// <summary>
/// The response body while a transcoded call runs: at the first write (or flush) it asks what to do — pass the answer
/// through (a success), drop it (a 204 has no body), or hold it (an error, to be rewritten). Nothing reaches the caller,
/// headers included, before that decision.
/// </summary>
internal sealed class ResponseProbe(Stream inner, Func<ResponseProbe.Decision> decide) : Stream
{
    public enum Decision
    {
        PassThrough,
        Drop,
        Hold,
    }

    private Decision? _decision;

    /// <summary>What was written when the first write came with an error status; null otherwise.</summary>
    public MemoryStream? Held { get; private set; }

    private Stream? Target()
    {
        _decision ??= decide();
        return _decision switch
        {
            Decision.PassThrough => inner,
            Decision.Hold => Held ??= new MemoryStream(),
            _ => null,
        };
    }

    public override void Write(byte[] buffer, int offset, int count) => Target()?.Write(buffer, offset, count);

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        Target()?.WriteAsync(buffer, offset, count, cancellationToken) ?? Task.CompletedTask;

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
        Target()?.WriteAsync(buffer, cancellationToken) ?? ValueTask.CompletedTask;

    public override void Flush() => (_decision == Decision.PassThrough ? inner : null)?.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) =>
        _decision == Decision.PassThrough ? inner.FlushAsync(cancellationToken) : Task.CompletedTask;

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
}
