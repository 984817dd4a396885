using System.Reflection;
using Google.Protobuf.Reflection;

namespace Missions.Grpc.Mapping;

/// <summary>
/// A generated enum's values by their proto names, which are the spec's strings (<c>external</c>,
/// <c>pending</c>, …) and what storage keeps. Read once from the generated <c>[OriginalName]</c> attributes.
/// </summary>
internal static class ProtoEnum<T> where T : struct, Enum
{
    private static readonly Dictionary<T, string> Names = typeof(T)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .ToDictionary(f => (T)f.GetValue(null)!, f => f.GetCustomAttribute<OriginalNameAttribute>()?.Name ?? f.Name);

    private static readonly Dictionary<string, T> Values = Names.ToDictionary(p => p.Value, p => p.Key, StringComparer.Ordinal);

    public static string Name(T value) => Names[value];

    /// <summary>The value named <paramref name="name"/>; stored data naming no value is corrupt, not a request error.</summary>
    public static T Parse(string name) => Values.TryGetValue(name, out var value)
        ? value
        : throw new InvalidDataException($"Stored value '{name}' is not a known {typeof(T).Name}.");
}
