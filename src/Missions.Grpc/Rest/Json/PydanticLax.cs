using System.Globalization;
using System.Numerics;
using System.Text.RegularExpressions;
using Missions.Grpc.Validation;

namespace Missions.Grpc.Rest.Json;

/// <summary>
/// pydantic v2's lax ("python") mode, which FastAPI validates request values in: how a decoded JSON value (or a query
/// string) becomes an int, a str, a bool, a float or an enum member, and the error pydantic gives when it does not.
/// Only the conversions; where the value goes (a protobuf field) is <see cref="RestBodyReader"/>'s concern.
/// </summary>
internal static partial class PydanticLax
{
    /// <summary>
    /// An int: an int; a bool (1, 0); a float with no fractional part (<c>1.0</c>, <c>1e2</c>); a str holding a whole
    /// number (surrounding white space, a sign, <c>_</c> between digits and a fraction of zeros allowed: <c>" 1_000.0 "</c>).
    /// </summary>
    public static Violation? Int(PythonJson.Node node, IReadOnlyList<object> path, out BigInteger value)
    {
        value = default;
        switch (node)
        {
            case PythonJson.Bool flag:
                value = flag.Value ? BigInteger.One : BigInteger.Zero;
                return null;
            case PythonJson.Number { IsFloat: false } number:
                value = number.AsInteger();
                return null;
            case PythonJson.Number number:
                var real = number.AsDouble();
                if (!double.IsFinite(real))
                {
                    return new Violation(At(path), "finite_number", "Input should be a finite number");
                }
                if (real != Math.Floor(real))
                {
                    return Pydantic.IntFromFloat(At(path));
                }
                value = new BigInteger(real);
                return null;
            case PythonJson.String text:
                return IntFromString(text.Value, path, out value);
            default:
                return Pydantic.IntType(At(path));
        }
    }

    /// <summary>An int from a str (a query value, or a JSON string): see <see cref="Int"/>.</summary>
    public static Violation? IntFromString(string text, IReadOnlyList<object> path, out BigInteger value)
    {
        value = default;
        var match = WholeNumber().Match(text.Trim());
        if (!match.Success)
        {
            return Pydantic.IntParsing(At(path));
        }
        value = BigInteger.Parse(match.Groups[1].Value.Replace("_", "", StringComparison.Ordinal), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        return null;
    }

    /// <summary>The int within [<paramref name="min"/>, <paramref name="max"/>] (the protobuf field's range: the API's own bound, reported as pydantic reports one).</summary>
    public static Violation? InRange(BigInteger value, BigInteger min, BigInteger max, IReadOnlyList<object> path) =>
        value > max ? Pydantic.LessThanEqual(At(path), max.ToString(CultureInfo.InvariantCulture))
        : value < min ? Pydantic.GreaterThanEqual(At(path), min.ToString(CultureInfo.InvariantCulture))
        : null;

    /// <summary>A str: only a str (a number is not one). A str holding a lone surrogate is valid to pydantic but cannot be stored (protobuf strings are UTF-8): <c>string_unicode</c>.</summary>
    public static Violation? Str(PythonJson.Node node, IReadOnlyList<object> path, out string value)
    {
        value = "";
        if (node is not PythonJson.String text)
        {
            return Pydantic.StringType(At(path));
        }
        if (!IsStorable(text.Value))
        {
            return Pydantic.StringUnicode(At(path));
        }
        value = text.Value;
        return null;
    }

    /// <summary>A member of a str enum: exactly one of its values (a str that is not text, first, as pydantic reads it as a str).</summary>
    public static Violation? Enum(PythonJson.Node node, IReadOnlyList<string> names, IReadOnlyList<object> path, out string value)
    {
        value = node is PythonJson.String text ? text.Value : "";
        if (node is PythonJson.String && !IsStorable(value))
        {
            return Pydantic.StringUnicode(At(path));
        }
        return node is PythonJson.String && names.Contains(value) ? null : Pydantic.Enum(At(path), names);
    }

    /// <summary>A bool: a bool; the ints 0 and 1; the strs pydantic reads as one (<c>yes</c>, <c>off</c>, …).</summary>
    public static Violation? Bool(PythonJson.Node node, IReadOnlyList<object> path, out bool value)
    {
        value = false;
        switch (node)
        {
            case PythonJson.Bool flag:
                value = flag.Value;
                return null;
            case PythonJson.Number { IsFloat: false, Text: "0" or "1" } number:
                value = number.Text == "1";
                return null;
            case PythonJson.String text when BoolFromString(text.Value) is { } parsed:
                value = parsed;
                return null;
            case PythonJson.Number or PythonJson.String:
                return new Violation(At(path), "bool_parsing", "Input should be a valid boolean, unable to interpret input");
            default:
                return Pydantic.BoolType(At(path));
        }
    }

    /// <summary>pydantic's bool strings.</summary>
    public static bool? BoolFromString(string text) => text.ToLowerInvariant() switch
    {
        "0" or "off" or "f" or "false" or "n" or "no" => false,
        "1" or "on" or "t" or "true" or "y" or "yes" => true,
        _ => null,
    };

    /// <summary>A float: a number (NaN and ±∞ too), a bool, a str holding a number.</summary>
    public static Violation? Float(PythonJson.Node node, IReadOnlyList<object> path, out double value)
    {
        value = 0;
        switch (node)
        {
            case PythonJson.Number number:
                value = number.AsDouble();
                return null;
            case PythonJson.Bool flag:
                value = flag.Value ? 1 : 0;
                return null;
            case PythonJson.String text when double.TryParse(text.Value.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out value):
                return null;
            case PythonJson.String:
                return new Violation(At(path), "float_parsing", "Input should be a valid number, unable to parse string as a number");
            default:
                return Pydantic.FloatType(At(path));
        }
    }

    /// <summary>The path as it is now (the caller's list changes as it walks on): copied only when a problem is reported.</summary>
    private static object[] At(IReadOnlyList<object> path) => [.. path];

    /// <summary>Text protobuf can hold: no lone surrogate.</summary>
    public static bool IsStorable(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(text[i]))
            {
                return false;
            }
        }
        return true;
    }

    [GeneratedRegex(@"^([+-]?[0-9]+(?:_[0-9]+)*)(?:\.0+)?$", RegexOptions.CultureInvariant)]
    private static partial Regex WholeNumber();
}
