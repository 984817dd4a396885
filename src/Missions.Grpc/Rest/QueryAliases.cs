using System.Text;

namespace Missions.Grpc.Rest;

/// <summary>
/// The spec's bracketed query names (<c>page[number]</c>, sent percent-encoded by the SDK as
/// <c>page%5Bnumber%5D</c>) name request fields by path (<c>page.number</c>). One rule, both ways, for every list
/// endpoint: <c>a[b][c]</c> ⇄ <c>a.b.c</c>.
/// </summary>
internal static class QueryAliases
{
    /// <summary><c>page[number]</c> → <c>page.number</c>.</summary>
    public static string ToFieldPath(string name) =>
        name.Contains('[') ? name.Replace("][", ".").Replace('[', '.').TrimEnd(']') : name;

    /// <summary>Field path segments → the spec's query name: [page, size] → <c>page[size]</c>.</summary>
    public static string ToQueryName(IEnumerable<object> path)
    {
        var name = new StringBuilder();
        foreach (var segment in path)
        {
            if (name.Length == 0)
            {
                name.Append(segment);
            }
            else
            {
                name.Append('[').Append(segment).Append(']');
            }
        }
        return name.ToString();
    }
}
