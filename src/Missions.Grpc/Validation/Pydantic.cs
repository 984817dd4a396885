namespace Missions.Grpc.Validation;

/// <summary>
/// pydantic v2 error types and wording, in one place, so every endpoint reports errors exactly as
/// the FastAPI-built Telnyx API does.
/// </summary>
internal static class Pydantic
{
    public static Violation Missing(IReadOnlyList<object> path) => new(path, "missing", "Field required");

    public static Violation StringType(IReadOnlyList<object> path) => new(path, "string_type", "Input should be a valid string");

    public static Violation StringUnicode(IReadOnlyList<object> path) =>
        new(path, "string_unicode", "Input should be a valid string, unable to parse raw data as a unicode string");

    public static Violation IntType(IReadOnlyList<object> path) => new(path, "int_type", "Input should be a valid integer");

    public static Violation IntParsing(IReadOnlyList<object> path) =>
        new(path, "int_parsing", "Input should be a valid integer, unable to parse string as an integer");

    public static Violation IntFromFloat(IReadOnlyList<object> path) =>
        new(path, "int_from_float", "Input should be a valid integer, got a number with a fractional part");

    public static Violation FloatType(IReadOnlyList<object> path) => new(path, "float_type", "Input should be a valid number");

    public static Violation BoolType(IReadOnlyList<object> path) => new(path, "bool_type", "Input should be a valid boolean");

    public static Violation DictType(IReadOnlyList<object> path) => new(path, "dict_type", "Input should be a valid dictionary");

    public static Violation ListType(IReadOnlyList<object> path) => new(path, "list_type", "Input should be a valid list");

    public static Violation DatetimeType(IReadOnlyList<object> path) => new(path, "datetime_type", "Input should be a valid datetime");

    public static Violation ModelAttributesType(IReadOnlyList<object> path) =>
        new(path, "model_attributes_type", "Input should be a valid dictionary or object to extract fields from");

    /// <summary><c>enum</c>: "Input should be 'a', 'b' or 'c'" with <c>ctx.expected</c>.</summary>
    public static Violation Enum(IReadOnlyList<object> path, IReadOnlyList<string> allowed)
    {
        var expected = ExpectedList(allowed);
        return new(path, "enum", $"Input should be {expected}", new Dictionary<string, object> { ["expected"] = expected });
    }

    public static Violation StringTooLong(IReadOnlyList<object> path, ulong max) =>
        new(path, "string_too_long", $"String should have at most {max} {Plural(max, "character")}",
            new Dictionary<string, object> { ["max_length"] = max });

    /// <summary>An id that a URL path cannot address (<c>.</c>, <c>..</c>, control characters).</summary>
    public static Violation NotAddressable(IReadOnlyList<object> path) =>
        ValueError(path, "an id must be addressable in a URL path: not \".\" or \"..\", no control characters");

    public static Violation StringTooShort(IReadOnlyList<object> path, ulong min) =>
        new(path, "string_too_short", $"String should have at least {min} {Plural(min, "character")}",
            new Dictionary<string, object> { ["min_length"] = min });

    public static Violation ListTooShort(IReadOnlyList<object> path, ulong min, int actual) =>
        new(path, "too_short", $"List should have at least {min} {Plural(min, "item")} after validation, not {actual}",
            new Dictionary<string, object> { ["field_type"] = "List", ["min_length"] = min, ["actual_length"] = actual });

    public static Violation ListTooLong(IReadOnlyList<object> path, ulong max, int actual) =>
        new(path, "too_long", $"List should have at most {max} {Plural(max, "item")} after validation, not {actual}",
            new Dictionary<string, object> { ["field_type"] = "List", ["max_length"] = max, ["actual_length"] = actual });

    public static Violation GreaterThan(IReadOnlyList<object> path, object bound) =>
        new(path, "greater_than", $"Input should be greater than {bound}", new Dictionary<string, object> { ["gt"] = bound });

    public static Violation GreaterThanEqual(IReadOnlyList<object> path, object bound) =>
        new(path, "greater_than_equal", $"Input should be greater than or equal to {bound}", new Dictionary<string, object> { ["ge"] = bound });

    public static Violation LessThan(IReadOnlyList<object> path, object bound) =>
        new(path, "less_than", $"Input should be less than {bound}", new Dictionary<string, object> { ["lt"] = bound });

    public static Violation LessThanEqual(IReadOnlyList<object> path, object bound) =>
        new(path, "less_than_equal", $"Input should be less than or equal to {bound}", new Dictionary<string, object> { ["le"] = bound });

    public static Violation ValueError(IReadOnlyList<object> path, string reason) =>
        new(path, "value_error", $"Value error, {reason}", new Dictionary<string, object> { ["error"] = reason });

    /// <summary>
    /// <c>uuid_parsing</c> with the reason pydantic (the Rust uuid crate) gives for
    /// <paramref name="input"/>: a bad character, the wrong group count or length, or the wrong length.
    /// </summary>
    public static Violation UuidParsing(IReadOnlyList<object> path, string input) =>
        new(path, "uuid_parsing", $"Input should be a valid UUID, {UuidProblem(input)}", new Dictionary<string, object> { ["error"] = UuidProblem(input) });

    private static string UuidProblem(string input)
    {
        var body = input;
        var offset = 0;
        if (body.StartsWith("urn:uuid:", StringComparison.Ordinal))
        {
            body = body[9..];
            offset = 9;
        }
        else if (body.Length >= 2 && body[0] == '{' && body[^1] == '}')
        {
            body = body[1..^1];
            offset = 1;
        }
        var groups = new List<int> { 0 };
        var position = offset;
        foreach (var rune in body.EnumerateRunes())
        {
            position++;
            if (rune.Value == '-')
            {
                groups.Add(0);
            }
            else if (rune.IsAscii && Uri.IsHexDigit((char)rune.Value))
            {
                groups[^1]++;
            }
            else
            {
                return $"invalid character: found `{rune}` at {position}"; // the uuid crate counts characters, from 1
            }
        }
        if (groups.Count == 1)
        {
            return $"invalid length: expected length 32 for simple format, found {body.Length}";
        }
        if (groups.Count != 5)
        {
            return $"invalid group count: expected 5, found {groups.Count}";
        }
        int[] expected = [8, 4, 4, 4, 12];
        for (var g = 0; g < 5; g++)
        {
            if (groups[g] != expected[g])
            {
                return $"invalid group length in group {g}: expected {expected[g]}, found {groups[g]}";
            }
        }
        return "invalid format";
    }

    /// <summary><c>json_invalid</c> at <c>["body", offset]</c> (the REST layer adds "body").</summary>
    public static Violation JsonInvalid(int offset, string error) =>
        new([offset], "json_invalid", "JSON decode error", new Dictionary<string, object> { ["error"] = error });

    /// <summary>pydantic's "'a', 'b' or 'c'".</summary>
    public static string ExpectedList(IReadOnlyList<string> allowed)
    {
        var quoted = allowed.Select(a => $"'{a}'").ToList();
        return quoted.Count switch
        {
            0 => "",
            1 => quoted[0],
            _ => string.Join(", ", quoted.Take(quoted.Count - 1)) + " or " + quoted[^1],
        };
    }

    private static string Plural(ulong n, string word) => n == 1 ? word : word + "s";
}
