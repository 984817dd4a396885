namespace Missions.Grpc.Validation;

/// <summary>
/// One reason a request is invalid, in pydantic v2 terms (what the REST spec's 422 body reports).
/// <see cref="Path"/> is the location inside the request message: JSON field names and list
/// indexes; empty for the request as a whole. Where the value came from (body, path, query) is
/// added by the REST layer, which knows the http rule. gRPC callers get the same violation as a
/// <c>google.rpc.BadRequest.FieldViolation</c> (field = dotted path, reason = type, description = msg).
/// </summary>
internal sealed record Violation(
    IReadOnlyList<object> Path,
    string Type,
    string Message,
    IReadOnlyDictionary<string, object>? Context = null,
    string? Source = null)
{
    /// <summary><see cref="Source"/> of a violation in a request header (<see cref="Path"/> then names the header).</summary>
    public const string Header = "header";

    /// <summary>The dotted form used in gRPC field violations, e.g. <c>steps[0].step_id</c>.</summary>
    public string FieldPath => FormatPath(Path);

    public static string FormatPath(IEnumerable<object> path)
    {
        var text = new System.Text.StringBuilder();
        foreach (var segment in path)
        {
            if (segment is int index)
            {
                text.Append('[').Append(index).Append(']');
            }
            else
            {
                if (text.Length > 0)
                {
                    text.Append('.');
                }
                text.Append(segment);
            }
        }
        return text.ToString();
    }
}
