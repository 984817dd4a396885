using System.Text.Json;
using CsCheck;

namespace Missions.Grpc.Tests.Fuzz;

/// <summary>What an answer must be: the documented REST shapes (and the text helpers that describe a failure).</summary>
internal static class FuzzOracle
{
    /// <summary>A 422 echoes the input (up to Rest:MaxJsonDepth = 64 deep) three levels down.</summary>
    internal static readonly JsonDocumentOptions DeepJson = new() { MaxDepth = 256 };

    /// <summary>The documented REST shapes; null when the answer conforms.</summary>
    internal static string? CheckRest(int status, string text, string verb, bool watchStream, bool keyed = false)
    {
        if (status >= 500)
        {
            return $"server error {status}";
        }
        if (status == 204)
        {
            return text.Length == 0 ? null : "204 with a body";
        }
        if (status is < 200 or (>= 300 and < 400))
        {
            return $"unexpected status {status}";
        }
        try
        {
            if (watchStream)
            {
                foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
                {
                    using var item = JsonDocument.Parse(line, DeepJson);
                    if (item.RootElement.ValueKind != JsonValueKind.Object)
                    {
                        return "watch line is not a JSON object";
                    }
                }
                return null;
            }
            using var doc = JsonDocument.Parse(text, DeepJson);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return "body is not a JSON object";
            }
            var keys = root.EnumerateObject().Select(p => p.Name).ToArray();
            if (keys.Length != keys.Distinct(StringComparer.Ordinal).Count())
            {
                return "duplicate keys";
            }
            if (status < 300)
            {
                return keys.Contains("data") ? null : "2xx body without \"data\"";
            }
            if (keys is not ["detail"])
            {
                return $"{status} body keys are [{string.Join(",", keys)}], not [detail]";
            }
            var detail = root.GetProperty("detail");
            if (status != 422)
            {
                return detail.ValueKind == JsonValueKind.String ? null : $"{status} detail is {detail.ValueKind}, not a string";
            }
            if (keyed && detail.ValueKind == JsonValueKind.String && detail.GetString()!.Contains("was already used for a different request", StringComparison.Ordinal))
            {
                return null; // the one 422 with a plain detail: an Idempotency-Key reused for another request (docs/api.md)
            }
            if (detail.ValueKind != JsonValueKind.Array || detail.GetArrayLength() == 0)
            {
                return "422 detail is not a non-empty array";
            }
            foreach (var error in detail.EnumerateArray())
            {
                if (error.ValueKind != JsonValueKind.Object)
                {
                    return "422 detail item is not an object";
                }
                var names = error.EnumerateObject().Select(p => p.Name).OrderBy(n => n, StringComparer.Ordinal).ToArray();
                if (!(names.SequenceEqual(["input", "loc", "msg", "type"]) || names.SequenceEqual(["ctx", "input", "loc", "msg", "type"])))
                {
                    return $"422 detail item keys are [{string.Join(",", names)}]";
                }
                if (error.GetProperty("type").ValueKind != JsonValueKind.String || error.GetProperty("msg").ValueKind != JsonValueKind.String)
                {
                    return "422 type or msg is not a string";
                }
                var loc = error.GetProperty("loc");
                if (loc.ValueKind != JsonValueKind.Array
                    || loc.EnumerateArray().Any(x => !(x.ValueKind == JsonValueKind.String || (x.ValueKind == JsonValueKind.Number && x.TryGetInt64(out _)))))
                {
                    return "422 loc is not an array of strings and integers";
                }
                if (error.TryGetProperty("ctx", out var ctx) && ctx.ValueKind != JsonValueKind.Object)
                {
                    return "422 ctx is not an object";
                }
            }
            return null;
        }
        catch (JsonException error)
        {
            return $"body is not JSON: {error.Message}";
        }
    }

    internal static string Clip(string s, int max) => s.Length <= max ? s : s[..max] + $"…({s.Length} chars)";
}
