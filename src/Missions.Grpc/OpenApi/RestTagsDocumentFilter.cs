using Microsoft.AspNetCore.Grpc.JsonTranscoding;
using Microsoft.AspNetCore.Mvc.ApiExplorer;
using Microsoft.OpenApi.Models;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace Missions.Grpc.OpenApi;

/// <summary>
/// Groups the REST operations under names REST users look for (Missions, Runs, Plans, Events, Agents,
/// Attachments, Webhooks) instead of the gRPC service names; each tag's description keeps the service's proto comment
/// and names the gRPC service(s) behind it.
/// </summary>
internal sealed class RestTagsDocumentFilter : IDocumentFilter
{
    /// <summary>REST tag of each gRPC service, in the order the document lists them.</summary>
    private static readonly (string Service, string Tag)[] Tags =
    [
        ("MissionsService", "Missions"),
        ("MissionRunsService", "Runs"),
        ("RunWatchService", "Runs"),
        ("RunPlansService", "Plans"),
        ("RunEventsService", "Events"),
        ("RunTelnyxAgentsService", "Agents"),
        ("MissionAttachmentsService", "Attachments"),
        ("MissionWebhooksService", "Webhooks"),
    ];

    /// <summary>The tag of an operation (for <c>SwaggerGenOptions.TagActionsBy</c>).</summary>
    public static IList<string> TagOf(ApiDescription api)
    {
        var service = api.ActionDescriptor.EndpointMetadata.OfType<GrpcJsonTranscodingMetadata>().FirstOrDefault()?.MethodDescriptor.Service;
        if (service is null)
        {
            return [api.ActionDescriptor.RouteValues["controller"] ?? "Other"];
        }
        foreach (var (name, tag) in Tags)
        {
            if (name == service.Name)
            {
                return [tag];
            }
        }
        throw new InvalidOperationException($"The gRPC service {service.FullName} has no REST tag: add it to {nameof(RestTagsDocumentFilter)}.");
    }

    public void Apply(OpenApiDocument document, DocumentFilterContext context)
    {
        // Swashbuckle's tags are the services' (their XML comments as descriptions): one tag per REST name instead.
        var serviceDescriptions = document.Tags?.ToDictionary(t => t.Name, t => t.Description) ?? [];
        var services = context.ApiDescriptions
            .Select(api => api.ActionDescriptor.EndpointMetadata.OfType<GrpcJsonTranscodingMetadata>().FirstOrDefault()?.MethodDescriptor.Service)
            .OfType<Google.Protobuf.Reflection.ServiceDescriptor>()
            .DistinctBy(service => service.FullName)
            .ToDictionary(service => service.Name);
        document.Tags = Tags.Where(t => services.ContainsKey(t.Service)).GroupBy(t => t.Tag).Select(group => new OpenApiTag
        {
            Name = group.Key,
            Description = string.Join("\n\n", group.Select(t =>
                (serviceDescriptions.GetValueOrDefault(t.Service) is { Length: > 0 } text ? text.Trim() + "\n\n" : "")
                + $"gRPC: `{services[t.Service].FullName}`.")),
        }).ToList();
    }
}
