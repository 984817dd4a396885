using System.Net;
using System.Net.Http.Headers;
using Google.Protobuf;
using Grpc.Core;
using Missions.Grpc.Tests.Infrastructure;
using Missions.Grpc.V1;

namespace Missions.Grpc.Tests.Functional.Errors;

/// <summary>gRPC deadlines (<c>grpc-timeout</c>): a call whose deadline has passed is answered DEADLINE_EXCEEDED and does nothing.</summary>
public sealed class DeadlineTests : AppTest
{
    [Fact]
    public async Task A_create_sent_with_an_expired_deadline_is_answered_deadline_exceeded_and_not_stored()
    {
        var name = "deadline-" + Guid.NewGuid().ToString("N");
        using var http = new HttpClient(App.Server.CreateHandler()) { BaseAddress = App.Server.BaseAddress };
        var payload = new CreateMissionRequest { Name = name, ExecutionMode = Mission.Types.ExecutionMode.External }.ToByteArray();
        var framed = new byte[5 + payload.Length];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(framed.AsSpan(1), (uint)payload.Length);
        payload.CopyTo(framed, 5);
        var request = new HttpRequestMessage(HttpMethod.Post, "/missions.v1.MissionsService/CreateMission")
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(framed),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
        request.Headers.TryAddWithoutValidation("te", "trailers");
        request.Headers.TryAddWithoutValidation("grpc-timeout", "1n");
        request.Headers.TryAddWithoutValidation("authorization", $"Bearer {TestKeys.KeyA}");

        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        await response.Content.ReadAsByteArrayAsync();
        var status = response.TrailingHeaders.TryGetValues("grpc-status", out var trailer) ? trailer.Single()
            : response.Headers.GetValues("grpc-status").Single();

        Assert.Equal(((int)StatusCode.DeadlineExceeded).ToString(System.Globalization.CultureInfo.InvariantCulture), status);
        var missions = await new MissionsService.MissionsServiceClient(App.GrpcChannel())
            .ListMissionsAsync(new ListMissionsRequest { Page = new PageRequest { Size = 1000 } }, GrpcCalls.Key());
        Assert.DoesNotContain(missions.Data, m => m.Name == name);
    }

    [Theory]
    [InlineData("1n", true)]
    [InlineData("99n", true)]
    [InlineData("100n", false)]
    [InlineData("1u", false)]
    [InlineData("1m", false)]
    [InlineData("5S", false)]
    [InlineData("1H", false)]
    [InlineData("123456789n", false)] // more than 8 digits: not a timeout
    [InlineData("n", false)]
    [InlineData("-1n", false)]
    [InlineData(null, false)]
    public void A_timeout_shorter_than_a_tick_is_expired_on_arrival(string? header, bool expired) =>
        Assert.Equal(expired, Missions.Grpc.Errors.GrpcTimeout.ExpiredOnArrival(header));
}
