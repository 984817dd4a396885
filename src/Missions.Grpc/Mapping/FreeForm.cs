using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;

namespace Missions.Grpc.Mapping;

/// <summary>Free-form JSON objects (<c>metadata</c>, <c>payload</c>, …) as stored JSON text.</summary>
internal static class FreeForm
{
    public static string? ToJson(Struct? value) => value is null ? null : JsonFormatter.Default.Format(value);

    public static Struct? FromJson(string? json) => json is null ? null : Struct.Parser.ParseJson(json);
}
