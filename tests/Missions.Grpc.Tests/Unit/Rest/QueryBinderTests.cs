using Microsoft.AspNetCore.Http;
using Missions.Grpc.Rest;
using Missions.Grpc.V1;

namespace Missions.Grpc.Tests.Unit.Rest;

/// <summary>
/// The query binder's conversions that no list of the API reaches today (no list filters by a boolean): a bool query
/// value is read as pydantic reads one, so a boolean filter added to the contract answers like FastAPI from the start.
/// </summary>
public sealed class QueryBinderTests
{
    [Theory]
    [InlineData("yes", true)]
    [InlineData("ON", true)]
    [InlineData("1", true)]
    [InlineData("off", false)]
    [InlineData("f", false)]
    [InlineData("0", false)]
    public void A_bool_is_read_as_pydantic_reads_a_str(string raw, bool expected)
    {
        var message = new UpdateWebhookRequest();
        var violations = QueryBinder.Bind(message, QueryBinder.Parse(new QueryString("?enabled=" + raw)), new HashSet<string>());

        Assert.Empty(violations);
        Assert.Equal(expected, message.Enabled);
    }

    [Fact]
    public void A_bool_pydantic_cannot_read_is_bool_parsing()
    {
        var message = new UpdateWebhookRequest();
        var violation = Assert.Single(QueryBinder.Bind(message, QueryBinder.Parse(new QueryString("?enabled=maybe")), new HashSet<string>()));

        Assert.Equal("bool_parsing", violation.Type);
        Assert.Equal(["enabled"], violation.Path);
        Assert.False(message.HasEnabled);
    }
}
