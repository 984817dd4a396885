namespace Missions.Grpc.OpenApi;

/// <summary>Configuration section <c>OpenApi</c>: what the OpenAPI document says about where it is served, and Swagger UI.</summary>
public sealed class OpenApiOptions
{
    public const string SectionName = "OpenApi";

    /// <summary>
    /// The document's <c>servers[0].url</c>. The default, <c>/</c>, is the server that served the document (its paths
    /// already start with <c>/v2</c>); a deployment behind a proxy sets its public URL. Never taken from the request.
    /// </summary>
    public string ServerUrl { get; set; } = "/";

    /// <summary>Serve Swagger UI at <c>/swagger</c>; unset: in Development only. The JSON document is always served.</summary>
    public bool? SwaggerUi { get; set; }
}
