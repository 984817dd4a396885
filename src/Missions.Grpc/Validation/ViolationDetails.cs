using Google.Protobuf.WellKnownTypes;
using Missions.Grpc.V1;

namespace Missions.Grpc.Validation;

/// <summary>
/// Violations as the typed error detail both faces share (<see cref="RequestViolations"/>): written into the gRPC status
/// where they are raised, read back by the REST face to write its 422 — structure all the way, nothing parsed from text.
/// </summary>
internal static class ViolationDetails
{
    public static RequestViolations ToDetail(IEnumerable<Violation> violations)
    {
        var detail = new RequestViolations();
        foreach (var violation in violations)
        {
            var item = new RequestViolation { Type = violation.Type, Message = violation.Message, Source = violation.Source ?? "" };
            foreach (var segment in violation.Path)
            {
                item.Location.Add(segment is int index ? new LocationSegment { Index = index } : new LocationSegment { Field = segment.ToString() });
            }
            if (violation.Context is { Count: > 0 } context)
            {
                item.Context = new Struct();
                foreach (var (key, value) in context)
                {
                    item.Context.Fields[key] = value switch
                    {
                        string text => Value.ForString(text),
                        bool flag => Value.ForBool(flag),
                        _ => Value.ForNumber(Convert.ToDouble(value, System.Globalization.CultureInfo.InvariantCulture)),
                    };
                }
            }
            detail.Violations.Add(item);
        }
        return detail;
    }

    public static List<Violation> FromDetail(RequestViolations detail) =>
        detail.Violations.Select(v => new Violation(
            v.Location.Select(s => s.SegmentCase == LocationSegment.SegmentOneofCase.Index ? (object)s.Index : s.Field).ToList(),
            v.Type,
            v.Message,
            v.Context?.Fields.ToDictionary(f => f.Key, f => ContextValue(f.Value)),
            v.Source is { Length: > 0 } source ? source : null)).ToList();

    /// <summary>A context value as the 422 body writes it: whole numbers as integers (256, not 256.0).</summary>
    private static object ContextValue(Value value) => value.KindCase switch
    {
        Value.KindOneofCase.StringValue => value.StringValue,
        Value.KindOneofCase.BoolValue => value.BoolValue,
        Value.KindOneofCase.NumberValue when value.NumberValue == Math.Floor(value.NumberValue) && Math.Abs(value.NumberValue) < 9e15 => (long)value.NumberValue,
        Value.KindOneofCase.NumberValue => value.NumberValue,
        _ => value.ToString(),
    };
}
