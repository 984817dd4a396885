using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Missions.Grpc.Storage;
using Missions.Grpc.Validation;

namespace Missions.Grpc.Mapping;

/// <summary>
/// Attachments between their wire form — the caller's JSON object plus the server-managed keys — and storage,
/// the same for every <see cref="AttachmentKind"/>.
/// </summary>
internal static class AttachmentMapping
{
    /// <summary>Longest item id a caller may choose.</summary>
    public const int MaxItemIdLength = 256;

    /// <summary>The request field that holds the definition (the whole REST body).</summary>
    private const string DefinitionField = "definition";

    /// <summary>
    /// The id the caller chose: the definition's <c>&lt;kind&gt;_id</c> when it is a string (1 to 256 characters,
    /// addressable in a URL path: not <c>.</c> or <c>..</c>, no control characters), null to have one generated.
    /// </summary>
    public static string? ChosenId(Struct? definition, AttachmentKind kind)
    {
        if (definition is null || !definition.Fields.TryGetValue(kind.IdField, out var value) || value.KindCase != Value.KindOneofCase.StringValue)
        {
            return null;
        }
        var id = value.StringValue;
        IReadOnlyList<object> path = [DefinitionField, kind.IdField];
        if (id.Length == 0)
        {
            throw new RequestValidationException([Pydantic.StringTooShort(path, 1)]);
        }
        if (id.EnumerateRunes().Count() > MaxItemIdLength) // characters as pydantic counts them (code points)
        {
            throw new RequestValidationException([Pydantic.StringTooLong(path, MaxItemIdLength)]);
        }
        if (id is "." or ".." || id.Any(char.IsControl))
        {
            throw new RequestValidationException([Pydantic.NotAddressable(path)]); // a path could not reach it
        }
        return id;
    }

    /// <summary>The definition as stored: the caller's object without the keys the server manages.</summary>
    public static string ToDefinitionJson(Struct? definition, AttachmentKind kind)
    {
        var stored = definition?.Clone() ?? new Struct();
        foreach (var managed in ManagedKeys(kind))
        {
            stored.Fields.Remove(managed);
        }
        return JsonFormatter.Default.Format(stored);
    }

    /// <summary>The item as callers see it: the definition with <c>&lt;kind&gt;_id</c>, <c>mission_id</c>, <c>created_at</c>, <c>updated_at</c>.</summary>
    public static Struct ToItem(this AttachmentDocument document)
    {
        var item = new Struct();
        item.Fields[document.Kind.IdField] = Value.ForString(document.ItemId);
        item.Fields["mission_id"] = Value.ForString(document.MissionId);
        item.MergeFrom(Struct.Parser.ParseJson(document.DefinitionJson));
        item.Fields["created_at"] = Value.ForString(Time(document.CreatedAt));
        item.Fields["updated_at"] = Value.ForString(Time(document.UpdatedAt));
        return item;
    }

    private static IEnumerable<string> ManagedKeys(AttachmentKind kind) => [kind.IdField, "mission_id", "created_at", "updated_at"];

    /// <summary>A time as every other timestamp of the API is written (protobuf's JSON form, e.g. <c>2026-11-29T18:59:27.320Z</c>).</summary>
    private static string Time(DateTime value) => JsonFormatter.Default.Format(Timestamp.FromDateTime(value)).Trim('"');
}
