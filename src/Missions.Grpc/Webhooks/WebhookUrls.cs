using Microsoft.Extensions.Options;
using Missions.Grpc.Validation;

namespace Missions.Grpc.Webhooks;

/// <summary>
/// A webhook URL checked as it is stored (create, update): the outbound-request policy, then what its host resolves to
/// now. Refused: a 422 at <c>["body","url"]</c>. The address is checked again when each delivery connects
/// (<see cref="WebhookHttp"/>), so a name that resolves elsewhere later cannot reach a refused address.
/// </summary>
internal sealed class WebhookUrls(IOptions<WebhookOptions> options, IWebhookDnsResolver dns)
{
    private static readonly IReadOnlyList<object> UrlPath = ["url"];

    public async Task CheckAsync(string url, CancellationToken cancellationToken)
    {
        var problem = WebhookAddressPolicy.UrlProblem(url, options.Value)
            ?? await WebhookAddressPolicy.ResolvedProblemAsync(new Uri(url), dns, options.Value, cancellationToken);
        if (problem is not null)
        {
            throw new RequestValidationException([Pydantic.ValueError(UrlPath, problem)]);
        }
    }
}
