using System.Buffers;
using System.Text;

namespace Missions.Grpc.Rest.Json;

/// <summary>
/// A request body decoded as FastAPI decodes it — Python's <c>json.loads</c> of the bytes — so that what is JSON, and
/// where a syntax error is, are exactly Python's:
/// <list type="bullet">
/// <item>the encoding is detected as <c>json.detect_encoding</c> does (UTF-8, with or without a byte order mark; UTF-16
/// and UTF-32 by their byte order mark or their zero bytes) and decoded with <c>surrogatepass</c> (an encoded lone
/// surrogate reads as one); bytes that do not decode are not a JSON error but an unreadable body
/// (<see cref="Result.Undecodable"/>: FastAPI's 400), as is an integer of more than 4,300 digits (Python's int limit
/// raises a ValueError, which FastAPI answers the same way);</item>
/// <item>syntax follows CPython's scanner (<c>Modules/_json.c</c>): white space is space, tab, CR and LF; <c>NaN</c>,
/// <c>Infinity</c> and <c>-Infinity</c> are numbers; control characters in strings are refused; a <c>\u</c> escape may
/// stand for a lone surrogate; a key given twice keeps its first place and its last value;</item>
/// <item>a syntax error is <see cref="Result.Error"/> with Python's message (<c>Expecting value</c>, …) and position in
/// code points (a character beyond U+FFFF counts once).</item>
/// </list>
/// Nesting is bounded (<c>Rest:MaxJsonDepth</c>): Python's bound is its recursion limit, whose error FastAPI answers
/// with a 400; deeper bodies are refused here as <see cref="Result.TooDeep"/>.
/// </summary>
internal static class PythonJson
{
    /// <summary>A JSON value as Python's decoder builds it.</summary>
    public abstract class Node;

    /// <summary>A dict: keys in first-seen order, each with its last value.</summary>
    public sealed class Object : Node
    {
        /// <summary>Beyond this many keys, a key given twice is found through an index rather than by a scan.</summary>
        private const int ScanLimit = 16;

        private Dictionary<string, int>? _index;

        public List<KeyValuePair<string, Node>> Members { get; } = [];

        public void Set(string key, Node value)
        {
            var at = Find(key);
            if (at >= 0)
            {
                Members[at] = new(key, value);
                return;
            }
            _index?.Add(key, Members.Count);
            Members.Add(new(key, value));
            if (_index is null && Members.Count > ScanLimit)
            {
                _index = new Dictionary<string, int>(StringComparer.Ordinal);
                for (var i = 0; i < Members.Count; i++)
                {
                    _index[Members[i].Key] = i;
                }
            }
        }

        private int Find(string key)
        {
            if (_index is not null)
            {
                return _index.TryGetValue(key, out var at) ? at : -1;
            }
            for (var i = 0; i < Members.Count; i++)
            {
                if (string.Equals(Members[i].Key, key, StringComparison.Ordinal))
                {
                    return i;
                }
            }
            return -1;
        }
    }

    public sealed class Array : Node
    {
        public List<Node> Items { get; } = [];
    }

    /// <summary>A str; it may hold lone surrogates, as a Python str may.</summary>
    public sealed class String(string value) : Node
    {
        public string Value { get; } = value;
    }

    /// <summary>A number as written: an int (any size) unless it has a fraction or an exponent, or a constant (NaN, ±Infinity).</summary>
    public sealed class Number(string text, bool isFloat) : Node
    {
        public string Text { get; } = text;

        /// <summary>Python reads it as a float (fraction, exponent, NaN, Infinity); else as an int.</summary>
        public bool IsFloat { get; } = isFloat;

        /// <summary>The int Python reads (any size); only for a number that is not <see cref="IsFloat"/>.</summary>
        public System.Numerics.BigInteger AsInteger() => Text.Length < 18
            ? long.Parse(Text, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture)
            : System.Numerics.BigInteger.Parse(Text, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture);

        /// <summary>The float Python reads (±∞ beyond the double range, as Python's <c>float()</c>).</summary>
        public double AsDouble() => Text switch
        {
            "NaN" => double.NaN,
            "Infinity" => double.PositiveInfinity,
            "-Infinity" => double.NegativeInfinity,
            _ => double.Parse(Text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture),
        };
    }

    public sealed class Bool(bool value) : Node
    {
        public bool Value { get; } = value;
    }

    public sealed class Null : Node
    {
        public static readonly Null Instance = new();
    }

    /// <summary>What decoding gave: a value, or a syntax error (Python's message and position), or nothing readable.</summary>
    public readonly record struct Result(Node? Value, string? Error, int Position, bool Undecodable, bool TooDeep);

    /// <summary>Decodes <paramref name="body"/> as <c>json.loads(body)</c> does.</summary>
    public static Result Parse(ReadOnlySpan<byte> body, int maxDepth)
    {
        if (Decode(body) is not { } text)
        {
            return new Result(null, null, 0, Undecodable: true, TooDeep: false);
        }
        var parser = new Parser(text, maxDepth);
        try
        {
            var at = parser.SkipWhiteSpace(0);
            var value = parser.Value(at, 0, out var end);
            end = parser.SkipWhiteSpace(end);
            if (end != text.Length)
            {
                throw new SyntaxError("Extra data", end);
            }
            return new Result(value, null, 0, false, false);
        }
        catch (SyntaxError error)
        {
            return new Result(null, error.Message, CodePoints(text, error.Index), false, false);
        }
        catch (DepthError)
        {
            return new Result(null, null, 0, false, TooDeep: true);
        }
        catch (IntegerTooLong)
        {
            return new Result(null, null, 0, Undecodable: true, TooDeep: false);
        }
    }

    /// <summary>Python's index (code points) of UTF-16 index <paramref name="index"/>.</summary>
    private static int CodePoints(string text, int index)
    {
        var count = index;
        for (var i = 0; i + 1 < index; i++)
        {
            if (char.IsHighSurrogate(text[i]) && char.IsLowSurrogate(text[i + 1]))
            {
                count--;
                i++;
            }
        }
        return count;
    }

    /// <summary><c>bytes.decode(json.detect_encoding(b), "surrogatepass")</c>; null when the bytes do not decode.</summary>
    private static string? Decode(ReadOnlySpan<byte> b)
    {
        try
        {
            if (b.StartsWith(new byte[] { 0, 0, 0xFE, 0xFF }) || b.StartsWith(new byte[] { 0xFF, 0xFE, 0, 0 }))
            {
                return Strict(b[..4].SequenceEqual(new byte[] { 0, 0, 0xFE, 0xFF }) ? new UTF32Encoding(true, false, true) : new UTF32Encoding(false, false, true), b[4..]);
            }
            if (b.StartsWith(new byte[] { 0xFE, 0xFF }) || b.StartsWith(new byte[] { 0xFF, 0xFE }))
            {
                return Utf16(b[2..], bigEndian: b[0] == 0xFE);
            }
            if (b.StartsWith(new byte[] { 0xEF, 0xBB, 0xBF }))
            {
                return Utf8(b[3..]);
            }
            if (b.Length >= 4)
            {
                if (b[0] == 0)
                {
                    return b[1] != 0 ? Utf16(b, bigEndian: true) : Strict(new UTF32Encoding(true, false, true), b);
                }
                if (b[1] == 0)
                {
                    return b[2] != 0 || b[3] != 0 ? Utf16(b, bigEndian: false) : Strict(new UTF32Encoding(false, false, true), b);
                }
            }
            else if (b.Length == 2)
            {
                if (b[0] == 0)
                {
                    return Utf16(b, bigEndian: true);
                }
                if (b[1] == 0)
                {
                    return Utf16(b, bigEndian: false);
                }
            }
            return Utf8(b);
        }
        catch (DecoderFallbackException)
        {
            return null;
        }
    }

    private static string Strict(Encoding encoding, ReadOnlySpan<byte> bytes) => encoding.GetString(bytes);

    /// <summary>UTF-16 with lone surrogates passed through (Python's surrogatepass); an odd byte left over does not decode.</summary>
    private static string? Utf16(ReadOnlySpan<byte> bytes, bool bigEndian)
    {
        if (bytes.Length % 2 != 0)
        {
            return null;
        }
        var chars = new char[bytes.Length / 2];
        for (var i = 0; i < chars.Length; i++)
        {
            chars[i] = (char)(bigEndian ? bytes[2 * i] << 8 | bytes[(2 * i) + 1] : bytes[(2 * i) + 1] << 8 | bytes[2 * i]);
        }
        return new string(chars);
    }

    /// <summary>UTF-8 where a surrogate's three-byte encoding (ED A0..BF xx) reads as that surrogate; anything else invalid does not decode.</summary>
    private static string? Utf8(ReadOnlySpan<byte> bytes)
    {
        if (System.Text.Unicode.Utf8.IsValid(bytes))
        {
            return Encoding.UTF8.GetString(bytes);
        }
        var text = new StringBuilder(bytes.Length);
        var offset = 0;
        while (offset < bytes.Length)
        {
            if (Rune.DecodeFromUtf8(bytes[offset..], out var rune, out var consumed) == OperationStatus.Done)
            {
                text.Append(rune.ToString());
                offset += consumed;
            }
            else if (offset + 2 < bytes.Length && bytes[offset] == 0xED && bytes[offset + 1] is >= 0xA0 and <= 0xBF && bytes[offset + 2] is >= 0x80 and <= 0xBF)
            {
                text.Append((char)(0xD000 | ((bytes[offset + 1] & 0x3F) << 6) | (bytes[offset + 2] & 0x3F)));
                offset += 3;
            }
            else
            {
                return null;
            }
        }
        return text.ToString();
    }

    private sealed class SyntaxError(string message, int index) : Exception(message)
    {
        public int Index { get; } = index;
    }

    private sealed class DepthError : Exception;

    /// <summary>An int literal longer than Python converts (<c>sys.int_info.default_max_str_digits</c>): a ValueError, not a JSON error.</summary>
    private sealed class IntegerTooLong : Exception;

    /// <summary>Python's default limit on the digits of an int it reads from text.</summary>
    private const int MaxIntegerDigits = 4300;

    /// <summary>CPython's <c>scan_once_unicode</c> and its helpers, over a decoded string.</summary>
    private readonly ref struct Parser(string s, int maxDepth)
    {
        private readonly string _s = s;

        public int SkipWhiteSpace(int i)
        {
            while (i < _s.Length && _s[i] is ' ' or '\t' or '\n' or '\r')
            {
                i++;
            }
            return i;
        }

        public Node Value(int i, int depth, out int end)
        {
            if (i >= _s.Length)
            {
                throw new SyntaxError("Expecting value", i);
            }
            switch (_s[i])
            {
                case '"':
                    return new String(ScanString(i + 1, out end));
                case '{':
                    return Object(i + 1, Deeper(depth), out end);
                case '[':
                    return Array(i + 1, Deeper(depth), out end);
                case 'n' when Next(i, "null"):
                    end = i + 4;
                    return Null.Instance;
                case 't' when Next(i, "true"):
                    end = i + 4;
                    return new Bool(true);
                case 'f' when Next(i, "false"):
                    end = i + 5;
                    return new Bool(false);
                case 'N' when Next(i, "NaN"):
                    end = i + 3;
                    return new Number("NaN", true);
                case 'I' when Next(i, "Infinity"):
                    end = i + 8;
                    return new Number("Infinity", true);
                case '-' when Next(i, "-Infinity"):
                    end = i + 9;
                    return new Number("-Infinity", true);
                default:
                    return Number(i, out end);
            }
        }

        private int Deeper(int depth) => depth + 1 > maxDepth ? throw new DepthError() : depth + 1;

        private bool Next(int i, string word) => string.CompareOrdinal(_s, i, word, 0, word.Length) == 0 && i + word.Length <= _s.Length;

        private static bool IsDigit(char c) => c is >= '0' and <= '9';

        private Number Number(int start, out int end)
        {
            var i = start;
            var last = _s.Length - 1;
            if (_s[i] == '-')
            {
                i++;
                if (i > last)
                {
                    throw new SyntaxError("Expecting value", start);
                }
            }
            if (_s[i] is >= '1' and <= '9')
            {
                i++;
                while (i <= last && IsDigit(_s[i]))
                {
                    i++;
                }
            }
            else if (_s[i] == '0')
            {
                i++;
            }
            else
            {
                throw new SyntaxError("Expecting value", start);
            }
            var isFloat = false;
            if (i < last && _s[i] == '.' && IsDigit(_s[i + 1]))
            {
                isFloat = true;
                i += 2;
                while (i <= last && IsDigit(_s[i]))
                {
                    i++;
                }
            }
            if (i < last && _s[i] is 'e' or 'E')
            {
                var exponent = i;
                i++;
                if (i < last && _s[i] is '-' or '+')
                {
                    i++;
                }
                while (i <= last && IsDigit(_s[i]))
                {
                    i++;
                }
                if (IsDigit(_s[i - 1]))
                {
                    isFloat = true;
                }
                else
                {
                    i = exponent;
                }
            }
            end = i;
            if (!isFloat && i - start - (_s[start] == '-' ? 1 : 0) > MaxIntegerDigits)
            {
                throw new IntegerTooLong();
            }
            return new Number(_s[start..i], isFloat);
        }

        private string ScanString(int end, out int after)
        {
            var begin = end - 1;
            var plain = _s.AsSpan(end).IndexOfAny('"', '\\');
            if (plain >= 0 && _s[end + plain] == '"' && !_s.AsSpan(end, plain).ContainsAnyInRange('\0', '\u001f'))
            {
                after = end + plain + 1; // the common case: no escape, no control character
                return _s.Substring(end, plain);
            }
            var chunks = new StringBuilder();
            while (true)
            {
                var c = '\0';
                var next = end;
                for (; next < _s.Length; next++)
                {
                    c = _s[next];
                    if (c is '"' or '\\')
                    {
                        break;
                    }
                    if (c <= 0x1f)
                    {
                        throw new SyntaxError("Invalid control character at", next);
                    }
                }
                if (next >= _s.Length || c is not ('"' or '\\'))
                {
                    throw new SyntaxError("Unterminated string starting at", begin);
                }
                chunks.Append(_s, end, next - end);
                next++;
                if (c == '"')
                {
                    after = next;
                    return chunks.ToString();
                }
                if (next == _s.Length)
                {
                    throw new SyntaxError("Unterminated string starting at", begin);
                }
                c = _s[next];
                if (c != 'u')
                {
                    end = next + 1;
                    chunks.Append(c switch
                    {
                        '"' => '"',
                        '\\' => '\\',
                        '/' => '/',
                        'b' => '\b',
                        'f' => '\f',
                        'n' => '\n',
                        'r' => '\r',
                        't' => '\t',
                        _ => throw new SyntaxError("Invalid \\escape", end - 2),
                    });
                    continue;
                }
                next++;
                end = next + 4;
                if (end >= _s.Length)
                {
                    throw new SyntaxError("Invalid \\uXXXX escape", next - 1);
                }
                var code = Hex(next, end);
                next = end;
                if (char.IsHighSurrogate((char)code) && end + 6 < _s.Length && _s[next] == '\\' && _s[next + 1] == 'u')
                {
                    var low = Hex(next + 2, end + 6);
                    if (char.IsLowSurrogate((char)low))
                    {
                        chunks.Append((char)code).Append((char)low);
                        end += 6;
                        continue;
                    }
                }
                chunks.Append((char)code);
            }
        }

        /// <summary>Four hex digits at [from, to); Python reports a bad one at the escape's <c>u</c> (to - 5).</summary>
        private int Hex(int from, int to)
        {
            var value = 0;
            for (var i = from; i < to; i++)
            {
                var digit = _s[i] switch
                {
                    >= '0' and <= '9' => _s[i] - '0',
                    >= 'a' and <= 'f' => _s[i] - 'a' + 10,
                    >= 'A' and <= 'F' => _s[i] - 'A' + 10,
                    _ => throw new SyntaxError("Invalid \\uXXXX escape", to - 5),
                };
                value = (value << 4) | digit;
            }
            return value;
        }

        private Object Object(int i, int depth, out int end)
        {
            var result = new Object();
            i = SkipWhiteSpace(i);
            if (i >= _s.Length || _s[i] != '}')
            {
                while (true)
                {
                    if (i >= _s.Length || _s[i] != '"')
                    {
                        throw new SyntaxError("Expecting property name enclosed in double quotes", i);
                    }
                    var key = ScanString(i + 1, out i);
                    i = SkipWhiteSpace(i);
                    if (i >= _s.Length || _s[i] != ':')
                    {
                        throw new SyntaxError("Expecting ':' delimiter", i);
                    }
                    i = SkipWhiteSpace(i + 1);
                    result.Set(key, Value(i, depth, out i));
                    if (Closes(ref i, '}'))
                    {
                        break;
                    }
                }
            }
            end = i + 1;
            return result;
        }

        /// <summary>
        /// After a member or an item: true on the container's <paramref name="close"/> (<paramref name="i"/> on it);
        /// else past the comma and the white space after it. Anything else is Python's "Expecting ',' delimiter".
        /// </summary>
        private bool Closes(ref int i, char close)
        {
            i = SkipWhiteSpace(i);
            if (i < _s.Length && _s[i] == close)
            {
                return true;
            }
            if (i >= _s.Length || _s[i] != ',')
            {
                throw new SyntaxError("Expecting ',' delimiter", i);
            }
            i = SkipWhiteSpace(i + 1);
            return false;
        }

        private Array Array(int i, int depth, out int end)
        {
            var result = new Array();
            i = SkipWhiteSpace(i);
            if (i >= _s.Length || _s[i] != ']')
            {
                while (true)
                {
                    result.Items.Add(Value(i, depth, out i));
                    if (Closes(ref i, ']'))
                    {
                        break;
                    }
                }
            }
            end = i + 1;
            return result;
        }
    }
}
