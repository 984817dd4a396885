using Missions.Grpc.V1;

namespace Missions.Grpc.Mapping;

/// <summary>The window a page request asks for (defaults applied), and the meta it answers with.</summary>
internal readonly record struct PageWindow(int Number, int Size)
{
    /// <summary>Items to skip; a page far past any list clamps to int.MaxValue (and comes back empty).</summary>
    public int Offset => (int)Math.Min((long)(Number - 1) * Size, int.MaxValue);

    public static PageWindow From(PageRequest? page, int defaultSize) => new(
        page is { HasNumber: true } ? page.Number : 1,
        page is { HasSize: true } ? page.Size : defaultSize);

    public PageMeta Meta(int totalResults) => new()
    {
        PageNumber = Number,
        PageSize = Size,
        TotalResults = totalResults,
        TotalPages = (int)((totalResults + (long)Size - 1) / Size),
    };
}
