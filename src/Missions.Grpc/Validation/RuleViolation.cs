using Buf.Validate;
using Google.Protobuf.Reflection;

namespace Missions.Grpc.Validation;

/// <summary>A protovalidate rule a message breaks, as protovalidate reports it: where and which rule.</summary>
/// <param name="Path">Proto field names and list indexes from the request message to the value.</param>
/// <param name="JsonPath">The same location with JSON field names (what callers see).</param>
/// <param name="RuleId">protovalidate's rule id, e.g. <c>string.max_len</c>, <c>int32.gt_lte</c>.</param>
/// <param name="Rules">The broken field's rules.</param>
/// <param name="Value">The value that broke it (the list, for a list rule).</param>
/// <param name="Field">The field the rules belong to.</param>
internal sealed record RuleViolation(IReadOnlyList<object> Path, IReadOnlyList<object> JsonPath, string RuleId, FieldRules Rules, object? Value, FieldDescriptor Field);
