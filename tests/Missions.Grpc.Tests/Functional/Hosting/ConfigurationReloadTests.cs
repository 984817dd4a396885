using System.Net;
using Missions.Grpc.Tests.Infrastructure;

namespace Missions.Grpc.Tests.Functional.Hosting;

/// <summary>
/// A configuration reload with values that are no longer valid (a settings file edited while the server runs) changes
/// nothing and throws nothing: settings are bound and validated once, as the host starts (the API keys, which follow
/// reloads, have their own tests).
/// </summary>
public sealed class ConfigurationReloadTests
{
    [Fact]
    public async Task Invalid_values_in_a_reloaded_configuration_neither_throw_nor_apply()
    {
        await using var app = new MissionsApp();
        var rest = app.Rest();
        await rest.NewMissionAsync();
        app.Reconfigure( // threw OptionsValidationException from the change callback before
            ("Rest:MaxJsonDepth", "0"), ("Watch:BufferSize", "0"), ("Validation:MaxFreeFormBytes", "1"), ("Telemetry:MetricsPath", "no slash"),
            ("Idempotency:RetentionHours", "0"), ("Answers:MaxConcurrentLarge", "0"), ("Storage:Provider", "nothing"), ("Quotas:MaxMissionsPerOrganization", "0"));

        var (status, _, _) = await rest.SendAsync(HttpMethod.Post, RestCalls.Missions, """{"name":"after the reload","metadata":{"a":1}}""");
        Assert.Equal(HttpStatusCode.Created, status); // the start-time limits still apply
        var (listed, list, _) = await rest.SendAsync(HttpMethod.Get, RestCalls.Missions + "?page[size]=500");
        Assert.Equal(HttpStatusCode.OK, listed);
        Assert.Equal(2, (int)list!["meta"]!["total_results"]!);
    }
}
