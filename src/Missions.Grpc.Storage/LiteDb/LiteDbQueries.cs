using LiteDB;
using Missions.Grpc.Storage.Core;

namespace Missions.Grpc.Storage.LiteDb;

/// <summary>How the stores query LiteDB: key ranges with their values as parameters, pages, and the shared lookups.</summary>
internal static class LiteDbQueries
{
    /// <summary>
    /// Keys of <paramref name="keyField"/> from <paramref name="low"/> to <paramref name="high"/>, with the values as
    /// parameters: LiteDB compiles an expression once per distinct text and keeps it for good, so values written into
    /// the text (as its own <c>Query.Between</c> does) would compile — and keep — one delegate per range.
    /// </summary>
    public static BsonExpression Range(string keyField, string low, string high) =>
        BsonExpression.Create(keyField + " BETWEEN @0 AND @1", low, high);

    /// <summary>The keys of <paramref name="keyField"/> that start with <paramref name="prefix"/>.</summary>
    public static BsonExpression StartingWith(string keyField, string prefix) => Range(keyField, prefix, prefix + "\uffff");

    /// <summary><paramref name="keyField"/> equal to <paramref name="value"/>, as a parameter (see <see cref="Range"/>).</summary>
    public static BsonExpression Equal(string keyField, string value) => BsonExpression.Create(keyField + " = @0", value);

    /// <summary>
    /// One page of <paramref name="collection"/> along the string index <paramref name="keyField"/>, over the
    /// keys that start with <paramref name="prefix"/>, newest (highest key) first or oldest first. Two range
    /// scans: the first selects only the indexed key, so LiteDB reads no document for the entries it skips,
    /// and finds the page's first and last keys; the second loads just the documents between them. The first page has
    /// nothing to skip: one scan, which loads its documents as it walks the index and stops after <paramref name="limit"/>.
    /// </summary>
    public static List<T> PageOf<T>(ILiteCollection<T> collection, string keyField, string prefix, int offset, int limit, bool newestFirst = true)
    {
        var range = collection.Query().Where(StartingWith(keyField, prefix));
        var ordered = newestFirst ? range.OrderByDescending(keyField) : range.OrderBy(keyField);
        if (offset == 0)
        {
            return ordered.Limit(limit).ToList();
        }
        var keys = ordered
            .Select(BsonExpression.Create("{ k: $." + keyField + " }"))
            .Skip(offset)
            .Limit(limit)
            .ToDocuments()
            .Select(d => d["k"].AsString)
            .ToList();
        if (keys.Count == 0)
        {
            return [];
        }
        var (low, high) = newestFirst ? (keys[^1], keys[0]) : (keys[0], keys[^1]);
        var page = collection.Query().Where(Range(keyField, low, high));
        return (newestFirst ? page.OrderByDescending(keyField) : page.OrderBy(keyField)).Limit(limit).ToList();
    }

    /// <summary>Every document whose <paramref name="keyField"/> starts with <paramref name="prefix"/>, in key order.</summary>
    public static List<T> AllOf<T>(ILiteCollection<T> collection, string keyField, string prefix) =>
        collection.Find(StartingWith(keyField, prefix)).ToList();

    /// <summary>How many keys of <paramref name="keyField"/> start with <paramref name="prefix"/> (index only).</summary>
    public static int CountOf<T>(ILiteCollection<T> collection, string keyField, string prefix) =>
        collection.Query()
            .Where(StartingWith(keyField, prefix))
            .Select(BsonExpression.Create("{ k: $." + keyField + " }"))
            .ToDocuments()
            .Count();

    public static MissionRecord? FindMission(ILiteCollection<MissionRecord> missions, string organization, Guid missionId)
    {
        var record = missions.FindById(missionId.ToString());
        return record is not null && record.Organization == organization ? record : null;
    }

    /// <summary>The mission for a read; throws not-found.</summary>
    public static MissionRecord RequireMission(LiteDbCollections c, string organization, Guid missionId) =>
        FindMission(c.Missions, organization, missionId) ?? throw NotFound.Mission();

    /// <summary>The run addressed by mission and run id, or the not-found error to raise (see <see cref="NotFound.RunOrMission"/>).</summary>
    public static Outcome<RunRecord> ResolveRun(
        ILiteCollection<RunRecord> runs, ILiteCollection<MissionRecord> missions, string organization, Guid missionId, Guid runId)
    {
        var record = runs.FindById(runId.ToString());
        return record is not null && record.Organization == organization && record.MissionId == missionId.ToString()
            ? record
            : Outcome<RunRecord>.Fail(NotFound.RunOrMission(FindMission(missions, organization, missionId) is not null));
    }

    /// <summary>The run for a read; throws not-found.</summary>
    public static RunRecord RequireRun(LiteDbCollections c, string organization, Guid missionId, Guid runId) =>
        ResolveRun(c.Runs, c.Missions, organization, missionId, runId).Unwrap();
}
