namespace Missions.Grpc.Hosting;

/// <summary>
/// Headers every answer carries: <c>X-Content-Type-Options: nosniff</c> (a JSON answer is never read as HTML or script),
/// and <c>Cache-Control: no-store</c> unless the endpoint set its own (API answers are one organization's data: no shared
/// cache may keep them). Kestrel's <c>Server</c> header is off (<see cref="HostingComposition.AddMissionsHosting"/>).
/// </summary>
internal sealed class ResponseHeaders(RequestDelegate next)
{
    public Task InvokeAsync(HttpContext context)
    {
        context.Response.OnStarting(static state =>
        {
            var headers = ((HttpResponse)state).Headers;
            headers.XContentTypeOptions = "nosniff";
            if (headers.CacheControl.Count == 0)
            {
                headers.CacheControl = "no-store";
            }
            return Task.CompletedTask;
        }, context.Response);
        return next(context);
    }
}
