using Microsoft.OpenApi.Models;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace Missions.Grpc.OpenApi;

/// <summary>
/// Drops component schemas no operation reaches (directly or through other schemas): types the generator
/// registered for content the other filters removed, such as <c>google.protobuf.Empty</c> behind a 204.
/// </summary>
internal sealed class UnusedSchemasDocumentFilter : IDocumentFilter
{
    public void Apply(OpenApiDocument document, DocumentFilterContext context)
    {
        var schemas = document.Components.Schemas;
        var reached = new HashSet<string>();
        // (schema, is a component's own definition): a definition may carry its own reference; its content counts.
        var pending = new Stack<(OpenApiSchema Schema, bool Definition)>();
        foreach (var operation in document.Paths.Values.SelectMany(path => path.Operations.Values))
        {
            foreach (var parameter in operation.Parameters)
            {
                Push(parameter.Schema);
            }
            foreach (var media in (operation.RequestBody?.Content.Values ?? []).Concat(operation.Responses.Values.SelectMany(r => r.Content.Values)))
            {
                Push(media.Schema);
            }
        }
        while (pending.TryPop(out var item))
        {
            var schema = item.Schema;
            if (!item.Definition && schema.Reference?.Id is { } id)
            {
                if (reached.Add(id) && schemas.TryGetValue(id, out var target))
                {
                    pending.Push((target, true));
                }
                continue;
            }
            Push(schema.Items);
            Push(schema.AdditionalProperties);
            Push(schema.Not);
            foreach (var child in schema.Properties.Values.Concat(schema.AllOf).Concat(schema.AnyOf).Concat(schema.OneOf))
            {
                Push(child);
            }
        }
        foreach (var id in schemas.Keys.Where(id => !reached.Contains(id)).ToList())
        {
            schemas.Remove(id);
        }

        void Push(OpenApiSchema? schema)
        {
            if (schema is not null)
            {
                pending.Push((schema, false));
            }
        }
    }
}
