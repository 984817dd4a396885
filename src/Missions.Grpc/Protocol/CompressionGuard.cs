using System.IO.Compression;
using Grpc.Core;
using Grpc.Net.Compression;

namespace Missions.Grpc.Protocol;

/// <summary>
/// gRPC request decompression (gzip, deflate) that answers INVALID_ARGUMENT for a message that does not
/// decompress, instead of grpc-dotnet's UNKNOWN with an error log ("Exception was thrown by handler"):
/// a malformed request is the caller's error. Compression of responses is unchanged.
/// </summary>
internal sealed class GuardedCompressionProvider(ICompressionProvider inner) : ICompressionProvider
{
    /// <summary>The providers grpc-dotnet uses by default, guarded.</summary>
    public static IList<ICompressionProvider> Defaults() =>
    [
        new GuardedCompressionProvider(new GzipCompressionProvider(CompressionLevel.Fastest)),
        new GuardedCompressionProvider(new DeflateCompressionProvider(CompressionLevel.Fastest)),
    ];

    public string EncodingName => inner.EncodingName;

    public Stream CreateCompressionStream(Stream stream, CompressionLevel? compressionLevel) =>
        inner.CreateCompressionStream(stream, compressionLevel);

    public Stream CreateDecompressionStream(Stream stream) => new GuardedStream(inner.CreateDecompressionStream(stream), EncodingName);

    private sealed class GuardedStream(Stream inner, string encoding) : Stream
    {
        public override int Read(byte[] buffer, int offset, int count) => Guard(() => inner.Read(buffer, offset, count));

        public override int Read(Span<byte> buffer)
        {
            try
            {
                return inner.Read(buffer);
            }
            catch (Exception error) when (IsDataError(error))
            {
                throw Refuse(error);
            }
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            try
            {
                return await inner.ReadAsync(buffer, cancellationToken);
            }
            catch (Exception error) when (IsDataError(error))
            {
                throw Refuse(error);
            }
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        private int Guard(Func<int> read)
        {
            try
            {
                return read();
            }
            catch (Exception error) when (IsDataError(error))
            {
                throw Refuse(error);
            }
        }

        /// <summary>
        /// The compressed message is already in memory: an I/O error reading it is the data's (a zlib header asking for a
        /// preset dictionary surfaces as an IOException, not InvalidDataException).
        /// </summary>
        private static bool IsDataError(Exception error) => error is InvalidDataException or IOException;

        private RpcException Refuse(Exception error) =>
            new(new global::Grpc.Core.Status(StatusCode.InvalidArgument, $"The request message is not valid {encoding} data: {error.Message}"));

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }
            base.Dispose(disposing);
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
