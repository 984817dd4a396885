using System.ComponentModel.DataAnnotations;

namespace Missions.Grpc.Answers;

/// <summary>Configuration section <c>Answers</c>: how many large answers the server builds and writes at once.</summary>
public sealed class AnswerOptions
{
    public const string SectionName = "Answers";

    /// <summary>
    /// Large answers (a page of more than <see cref="LargePageSize"/> items, a whole plan) built and written at once; more
    /// wait their turn. Each can take a few hundred MB at the limits (README: Limits): this bounds the server's memory.
    /// </summary>
    [Range(1, 1024)]
    public int MaxConcurrentLarge { get; set; } = 4;

    /// <summary>
    /// Of those, how many one API key may hold at once: a caller asking for many large pages waits for its own, and
    /// never takes every slot from the others.
    /// </summary>
    [Range(1, 1024)]
    public int MaxConcurrentLargePerKey { get; set; } = 2;

    /// <summary>A page of more items than this is a large answer.</summary>
    [Range(1, 1000)]
    public int LargePageSize { get; set; } = 100;
}
