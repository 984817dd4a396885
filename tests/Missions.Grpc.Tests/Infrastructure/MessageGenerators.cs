using System.Collections;
using CsCheck;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Google.Protobuf.WellKnownTypes;

namespace Missions.Grpc.Tests.Unit;

/// <summary>
/// Messages of any type, from its descriptor: each field set or not, with values that sit on the edges of the rules the
/// field declares (lengths around a bound in ASCII and in astral characters, UUIDs in every form, control characters,
/// undefined enum numbers, integers around their bounds, lists around their size limits).
/// </summary>
internal static class MessageGenerators
{
    public static Gen<IMessage> Of(MessageDescriptor type, int depth = 0) =>
        type.Fields.InDeclarationOrder().Where(f => !f.IsMap)
            .Aggregate(Gen.Const<Func<IMessage>>(() => type.Parser.ParseFrom(ByteString.Empty)),
                (message, field) => message.Select(Setter(field, depth), (make, set) => (Func<IMessage>)(() =>
                {
                    var built = make();
                    set(built);
                    return built;
                })))
            .Select(make => make());

    /// <summary>Leaves the field unset, or sets it to a value drawn for it.</summary>
    private static Gen<Action<IMessage>> Setter(FieldDescriptor field, int depth)
    {
        var unset = Gen.Const<Action<IMessage>>(_ => { });
        if (field.IsRepeated)
        {
            return Gen.Frequency((1, unset), (3, ListOf(field, depth).Select(items => (Action<IMessage>)(m =>
            {
                var list = (IList)field.Accessor.GetValue(m);
                foreach (var item in items)
                {
                    list.Add(item);
                }
            }))));
        }
        return Gen.Frequency((1, unset), (3, Value(field, depth).Select(v => (Action<IMessage>)(m => field.Accessor.SetValue(m, v)))));
    }

    private static Gen<object[]> ListOf(FieldDescriptor field, int depth)
    {
        var max = (int?)(field.GetOptions()?.GetExtension(Buf.Validate.ValidateExtensions.Field)?.Repeated?.MaxItems);
        var counts = max is { } m ? Gen.Frequency((8, Gen.Int[0, 2]), (1, Gen.OneOf(m, m + 1))) : Gen.Int[0, 3];
        var item = Value(field, depth + 1);
        return counts.SelectMany(n => item.Array[n].Select(a => a.Cast<object>().ToArray()));
    }

    private static Gen<object> Value(FieldDescriptor field, int depth)
    {
        var rules = field.GetOptions()?.GetExtension(Buf.Validate.ValidateExtensions.Field);
        return field.FieldType switch
        {
            FieldType.String => Strings(rules?.String ?? rules?.Repeated?.Items?.String).Select(s => (object)s),
            FieldType.Enum => Gen.OneOf(field.EnumType.Values.Select(v => v.Number).Concat([-3, 99]).ToArray()).Select(n => (object)n),
            FieldType.Int32 or FieldType.SInt32 or FieldType.SFixed32 => Integers().Select(i => (object)(int)Math.Clamp(i, int.MinValue, int.MaxValue)),
            FieldType.Int64 or FieldType.SInt64 or FieldType.SFixed64 => Integers().Select(i => (object)i),
            FieldType.UInt32 or FieldType.Fixed32 => Integers().Select(i => (object)(uint)Math.Clamp(i, 0, uint.MaxValue)),
            FieldType.Bool => Gen.Bool.Select(b => (object)b),
            FieldType.Double => Gen.Double.Select(d => (object)d),
            FieldType.Message when field.MessageType.FullName == Struct.Descriptor.FullName =>
                Gen.Int[0, 3].Select(n => (object)Struct.Parser.ParseJson($$"""{"k":{{n}}}""")),
            FieldType.Message when field.MessageType.FullName == Timestamp.Descriptor.FullName => Gen.Const((object)Timestamp.FromDateTime(DateTime.UtcNow)),
            FieldType.Message when field.MessageType.File.Package == "google.protobuf" => Gen.Const((object)field.MessageType.Parser.ParseFrom(ByteString.Empty)),
            FieldType.Message => depth > 2 ? Gen.Const((object)field.MessageType.Parser.ParseFrom(ByteString.Empty)) : Of(field.MessageType, depth + 1).Select(m => (object)m),
            _ => Gen.Const((object)ByteString.Empty),
        };
    }

    private static Gen<long> Integers() => Gen.Frequency(
        (3, Gen.OneOf(-1L, 0L, 1L, 2L, 999L, 1000L, 1001L)),
        (1, Gen.OneOf((long)int.MinValue, int.MaxValue)),
        (2, Gen.Long[-5, 1500]));

    /// <summary>Strings around the field's length bounds, UUIDs of every shape, ids a path cannot address, control characters.</summary>
    private static Gen<string> Strings(Buf.Validate.StringRules? rules)
    {
        var lengths = new List<int> { 0, 1, 2, 36 };
        foreach (var bound in new[] { rules?.MaxLen, rules?.MinLen }.Where(b => b is > 0).Select(b => (int)b!.Value))
        {
            lengths.AddRange([bound - 1, bound, bound + 1]);
        }
        var sized = Gen.OneOf(lengths.Where(n => n >= 0).Distinct().ToArray()).SelectMany(n =>
            Gen.OneOf(new string('a', n), string.Concat(Enumerable.Repeat("\U0001F600", n)), new string('a', Math.Max(0, n - 1)) + "\U0001F600"));
        return Gen.Frequency(
            (3, sized),
            (2, Gen.Guid.Select(Gen.OneOf("D", "N", "B"), Gen.Bool, (g, f, upper) => upper ? g.ToString(f).ToUpperInvariant() : g.ToString(f))),
            (1, Gen.Guid.Select(Gen.Int[0, 35], (g, at) => g.ToString("D").Remove(at, 1).Insert(at, "x"))),
            (2, Gen.OneOf(".", "..", "a\n", "a\nb", "\u0007x", "x\u007F", "a b", "é", "\ud83d", "abc\u0000")),
            (2, Gen.String[Gen.Char.AlphaNumeric, 0, 12]));
    }
}
