using CsCheck;
using Google.Protobuf.Reflection;
using Missions.Grpc.Tests.Infrastructure;
using static Missions.Grpc.Tests.Fuzz.FuzzGenerators;
using static Missions.Grpc.Tests.Fuzz.FuzzOracle;

namespace Missions.Grpc.Tests.Fuzz;

/// <summary>A gRPC call through the client: random bytes, a valid message, a mutated one, or a Struct nested past the limit.</summary>
internal sealed record GrpcCase(MethodDescriptor Method, int Kind, string Json, byte[] Random, (int Op, int At, byte Value)[] Mutations, string? Authorization)
{
    public static Gen<GrpcCase> Cases(IReadOnlyList<MethodDescriptor> methods)
    {
        var auth = CsCheck.Gen.Frequency(
            (14, CsCheck.Gen.Const<string?>($"Bearer {TestKeys.KeyA}")), (1, CsCheck.Gen.Const((string?)null)),
            (1, CsCheck.Gen.OneOf<string?>("Bearer wrong", "Basic x", $"Bearer {TestKeys.KeyB}", "Bearer ", $"bearer {TestKeys.KeyA}")));
        var mutation = CsCheck.Gen.Int[0, 5].Select(CsCheck.Gen.Int.NonNegative, CsCheck.Gen.Byte, (op, at, b) => (op, at, b));
        var perMethod = methods.Select(m => CsCheck.Gen.Frequency((2, CsCheck.Gen.Const(0)), (4, CsCheck.Gen.Const(1)), (3, CsCheck.Gen.Const(2)), (1, CsCheck.Gen.Const(3)))
            .Select(ObjectFor(m.InputType, 0, [], protoValid: true), CsCheck.Gen.Byte.Array[0, 64], mutation.Array[1, 4], auth,
                (kind, json, random, mutations, a) => new GrpcCase(m, kind, json, random, mutations, a))).ToArray();
        return CsCheck.Gen.Int[0, perMethod.Length - 1].SelectMany(i => perMethod[i]);
    }

    public override string ToString() =>
        $"/{Method.Service.FullName}/{Method.Name} kind={(Kind switch { 0 => "random bytes", 1 => "valid message", 2 => "mutated message", _ => "deeply nested Struct" })} " +
        $"auth={Authorization ?? "(none)"} json={Clip(Json, 600)} random={Convert.ToHexString(Random)} mutations={string.Join(",", Mutations.Select(m => $"{m.Op}@{m.At}:{m.Value:x2}"))}";
}
