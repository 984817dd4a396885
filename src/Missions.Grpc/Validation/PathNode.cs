
namespace Missions.Grpc.Validation;

/// <summary>Where a walk is: a field of a message, or an item of a list field; built only to descend or to report.</summary>
internal sealed class PathNode(PathNode? parent, FieldRule? field, int? index)
{
    /// <summary>The path to <paramref name="field"/> (and its item <paramref name="index"/>) below <paramref name="at"/>, with JSON names.</summary>
    public static List<object> Json(PathNode? at, FieldRule field, int? index) => Build(at, field, index, json: true);

    /// <summary>The same path with proto field names.</summary>
    public static List<object> Proto(PathNode? at, FieldRule field, int? index) => Build(at, field, index, json: false);

    private static List<object> Build(PathNode? at, FieldRule field, int? index, bool json)
    {
        var path = new List<object>();
        for (var node = at; node is not null; node = node.Parent)
        {
            path.Add(node.Segment(json));
        }
        path.Reverse();
        path.Add(json ? field.JsonName : field.Field.Name);
        if (index is { } i)
        {
            path.Add(i);
        }
        return path;
    }

    private PathNode? Parent { get; } = parent;

    private object Segment(bool json) => field is null ? index!.Value : json ? field.JsonName : field.Field.Name;
}
