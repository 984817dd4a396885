using CsCheck;
using Google.Protobuf.Reflection;
using static Missions.Grpc.Tests.Fuzz.FuzzGenerators;

namespace Missions.Grpc.Tests.Fuzz;

/// <summary>A gRPC request as raw HTTP/2: odd paths, content types, encodings and framing.</summary>
internal sealed record RawGrpcCase(string Path, string? ContentType, string? Encoding, byte[] Payload, int Framing, bool WithAuth)
{
    public static Gen<RawGrpcCase> Cases(IReadOnlyList<MethodDescriptor> methods)
    {
        var path = CsCheck.Gen.Frequency(
            (8, CsCheck.Gen.OneOf(methods.ToArray()).Select(m => $"/{m.Service.FullName}/{m.Name}")),
            (1, CsCheck.Gen.OneOf(methods.ToArray()).Select(Word, (m, w) => $"/{m.Service.FullName}/{w}")),
            (1, Word.Select(w => $"/missions.v1.{w}/Get")));
        var type = CsCheck.Gen.Frequency((8, CsCheck.Gen.Const<string?>("application/grpc")),
            (3, CsCheck.Gen.OneOf<string?>("application/grpc+proto", "application/grpc+json", "application/grpc-web", "application/json", "text/plain", null, "application/grpc; charset=x")));
        var encoding = CsCheck.Gen.Frequency((6, CsCheck.Gen.Const((string?)null)), (1, CsCheck.Gen.OneOf<string?>("identity", "gzip", "deflate", "br", "x-junk")));
        return path.Select(type, encoding, CsCheck.Gen.Byte.Array[0, 40], CsCheck.Gen.Int[0, 6], CsCheck.Gen.Frequency((9, CsCheck.Gen.Const(true)), (1, CsCheck.Gen.Const(false))),
            (p, t, e, payload, framing, auth) => new RawGrpcCase(p, t, e, payload, framing, auth));
    }

    /// <summary>Well-formed framing (0) or one of the protocol violations grpc-dotnet answers itself (1..6).</summary>
    public bool WellFormed => Framing == 0 && (Encoding is null or "identity");

    public byte[] Body()
    {
        byte[] Frame(byte flag, int length, byte[] data) =>
            [flag, (byte)(length >> 24), (byte)(length >> 16), (byte)(length >> 8), (byte)length, .. data];
        return Framing switch
        {
            0 => Frame(0, Payload.Length, Payload),
            1 => [.. Frame(0, 0, []), .. Frame(0, Payload.Length, Payload)], // two messages for a unary method
            2 => Frame(1, Payload.Length, Payload), // compressed flag
            3 => Frame(0, Payload.Length + 10, Payload), // length beyond the data
            4 => Payload.Take(3).ToArray(), // a broken header
            5 => Frame(0, 64 * 1024 * 1024, Payload), // larger than the limit
            _ => [],
        };
    }

    public override string ToString() =>
        $"POST {Path} content-type={ContentType ?? "(none)"} grpc-encoding={Encoding ?? "(none)"} framing={Framing} auth={WithAuth} payload={Convert.ToHexString(Payload)}";
}
