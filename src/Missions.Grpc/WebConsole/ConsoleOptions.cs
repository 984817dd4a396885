namespace Missions.Grpc.WebConsole;

/// <summary>The run console (<c>GET /console</c>): on unless turned off.</summary>
public sealed class ConsoleOptions
{
    public const string SectionName = "Console";

    /// <summary>Serve the console at <c>/console</c>; false answers 404 there.</summary>
    public bool Enabled { get; set; } = true;
}
