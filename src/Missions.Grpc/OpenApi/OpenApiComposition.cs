using Microsoft.Extensions.Options;
using Microsoft.OpenApi.Models;
using Missions.Grpc.Protocol;
using Missions.Grpc.Configuration;

namespace Missions.Grpc.OpenApi;

/// <summary>
/// The OpenAPI document of the REST face, generated from the proto (Microsoft.AspNetCore.Grpc.Swagger with
/// Swashbuckle; proto comments as descriptions) and completed by filters that read the same annotations the
/// server obeys: the <c>(missions.v1.rest)</c> success status, <c>field_behavior</c>, protovalidate rules.
/// Served at <c>/swagger/v1/swagger.json</c>, with Swagger UI at <c>/swagger</c> in Development (or when configured).
/// </summary>
public static class OpenApiComposition
{
    public const string DocumentName = "v1";
    public const string DocumentPath = "/swagger/v1/swagger.json";

    /// <summary>
    /// The OpenAPI document, generated from the contract. Before <c>AddMissionsApi</c>: <c>AddGrpcSwagger</c> registers
    /// grpc-dotnet's default method binder again, which the API's <see cref="MalformedRequestGuard"/> replaces.
    /// </summary>
    public static WebApplicationBuilder AddMissionsOpenApi(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        if (services.Any(d => d.ImplementationType == typeof(MalformedRequestGuard<>)))
        {
            throw new InvalidOperationException("AddMissionsOpenApi must come before AddMissionsApi: AddGrpcSwagger would register grpc-dotnet's default binder again, next to MalformedRequestGuard.");
        }
        services.AddOptions<OpenApiOptions>().BindAtStart(OpenApiOptions.SectionName)
            .Validate(o => Uri.TryCreate(o.ServerUrl, UriKind.RelativeOrAbsolute, out _) && o.ServerUrl.Length > 0, "OpenApi:ServerUrl must be a URL or a path (e.g. https://api.example.com or /)")
            .ValidateOnStart();
        services.AddGrpcSwagger();
        services.AddSwaggerGen(options =>
        {
            options.SwaggerDoc(DocumentName, new OpenApiInfo
            {
                Title = "Telnyx AI Missions API (Missions.Grpc)",
                Version = "2.0.0",
                Description = "Missions, runs, plans, events, agent links and attachments, served from one gRPC contract " +
                              "(package missions.v1) through JSON transcoding. Generated from the proto: each operation's " +
                              "description names its gRPC method, and every operation is also served over native gRPC.",
                License = new OpenApiLicense { Name = "MIT", Url = new Uri("https://opensource.org/licenses/MIT") },
            });
            var comments = Path.Combine(AppContext.BaseDirectory, "Missions.Grpc.Contracts.xml");
            if (File.Exists(comments))
            {
                options.IncludeGrpcXmlComments(comments, includeControllerXmlComments: true);
            }
            options.AddSecurityDefinition(BearerScheme, new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                Description = "An API key: Authorization: Bearer <key>.",
            });
            options.AddSecurityRequirement(new OpenApiSecurityRequirement
            {
                [new OpenApiSecurityScheme { Reference = new OpenApiReference { Type = ReferenceType.SecurityScheme, Id = BearerScheme } }] = [],
            });
            options.TagActionsBy(RestTagsDocumentFilter.TagOf);
            options.CustomSchemaIds(SchemaId);
            options.SchemaFilter<ProtoSchemaFilter>();
            options.OperationFilter<RestOperationFilter>();
            options.DocumentFilter<ValidationErrorDocumentFilter>();
            options.DocumentFilter<RestTagsDocumentFilter>();
            options.DocumentFilter<UnusedSchemasDocumentFilter>();
        });
        return builder;
    }

    /// <summary>
    /// Swagger UI's page runs its own script from this origin, which the console shares: it may load only its own files,
    /// call only this origin, and never be framed.
    /// </summary>
    private const string SwaggerUiPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; " +
        "frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

    /// <summary>
    /// The document (always) and Swagger UI (in Development, or with <c>OpenApi:SwaggerUi=true</c>), for REST requests
    /// (native gRPC calls have no use for them). The document's server is <c>OpenApi:ServerUrl</c>, never the request's
    /// <c>Host</c>, which the caller writes.
    /// </summary>
    public static WebApplication UseMissionsOpenApi(this WebApplication app)
    {
        var settings = app.Services.GetRequiredService<IOptions<OpenApiOptions>>().Value;
        var servers = new List<OpenApiServer> { new() { Url = settings.ServerUrl, Description = "This server" } };
        var swaggerUi = settings.SwaggerUi ?? app.Environment.IsDevelopment();
        app.UseWhen(context => !Faces.IsNativeGrpc(context), rest =>
        {
            rest.UseSwagger(options => options.PreSerializeFilters.Add((document, _) => document.Servers = servers));
            if (swaggerUi)
            {
                rest.UseWhen(context => context.Request.Path.StartsWithSegments("/swagger", StringComparison.Ordinal), ui => ui.Use((context, next) =>
                {
                    context.Response.Headers.ContentSecurityPolicy = SwaggerUiPolicy;
                    context.Response.Headers.XFrameOptions = "DENY";
                    return next(context);
                }));
                rest.UseSwaggerUI(options => options.SwaggerEndpoint(DocumentPath, "Missions API v1"));
            }
        });
        return app;
    }

    /// <summary>
    /// Unique schema names for nested proto types: <c>MissionRun.Types.Status</c> is <c>MissionRunStatus</c>
    /// (several messages nest an enum named Status); types outside the API's namespace keep theirs as a prefix.
    /// </summary>
    private static string SchemaId(Type type)
    {
        var names = new List<string>();
        for (var current = type; current is not null; current = current.DeclaringType)
        {
            if (current.Name != "Types")
            {
                names.Insert(0, current.Name);
            }
        }
        var prefix = type.Namespace is null or "Missions.Grpc.V1" ? "" : type.Namespace.Replace(".", "", StringComparison.Ordinal);
        return prefix + string.Concat(names);
    }

    /// <summary>The security scheme's name, as the spec names it.</summary>
    public const string BearerScheme = "bearerAuth";
}
