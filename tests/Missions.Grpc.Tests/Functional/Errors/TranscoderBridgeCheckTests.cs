using System.Diagnostics;
using System.Net;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Missions.Grpc.Errors;
using Missions.Grpc.Hosting;
using Missions.Grpc.Protocol;
using Missions.Grpc.Rest;
using Missions.Grpc.Storage;
using Missions.Grpc.Tests.Infrastructure;
using Missions.Grpc.Tests.Protos;
using Missions.Grpc.Validation;
using Xunit.Abstractions;

namespace Missions.Grpc.Tests.Functional.Errors;

/// <summary>
/// The start check of <see cref="TranscoderBridge"/>: it passes on the real host without running a handler, and a
/// transcoder that does not behave as the bridge assumes stops the start with a one-line refusal.
/// </summary>
public sealed class TranscoderBridgeCheckTests(ITestOutputHelper output)
{
    [Fact]
    public async Task The_check_passes_on_the_real_host_cheaply_and_writes_nothing()
    {
        await using var app = new MissionsApp();
        var rest = app.Rest(); // starts the host: the check ran and passed

        var bridge = app.Services.GetRequiredService<TranscoderBridge>();
        var endpoints = app.Services.GetRequiredService<EndpointDataSource>().Endpoints;
        var timer = Stopwatch.StartNew();
        await bridge.CheckAsync(endpoints, app.Services, CancellationToken.None);
        output.WriteLine($"check, warm: {timer.Elapsed.TotalMilliseconds:F1} ms");
        var (status, json, _) = await rest.SendAsync(HttpMethod.Get, RestCalls.Missions, null);

        Assert.Contains(app.Logs.All, entry => entry.Contains("Transcoder bridge checked: 6 in-process calls"));
        output.WriteLine(app.Logs.All.First(entry => entry.Contains("Transcoder bridge checked")));
        Assert.True(timer.Elapsed < TimeSpan.FromMilliseconds(250), $"the check took {timer.Elapsed.TotalMilliseconds} ms");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Empty(json!["data"]!.AsArray()); // two starts' worth of checks created nothing
    }

    [Fact]
    public async Task The_check_passes_on_a_host_of_its_own_without_running_a_handler()
    {
        await using var host = await ThingsHost.StartAsync(withRestMessageInterceptor: true);

        var response = await host.Client.PostAsync("/v2/test/things/t1/cancel", Json.Body("""{"reason":"done"}"""));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, host.Handled.Count); // the caller's call only
    }

    [Fact]
    public async Task A_service_whose_calls_skip_the_bridge_refuses_the_start_in_one_line_and_runs_no_handler()
    {
        var handled = new HandledCalls();

        var error = await Assert.ThrowsAsync<IncompatibleFrameworkException>(() =>
            ThingsHost.StartAsync(withRestMessageInterceptor: false, handled));

        Assert.Contains("reached its service without passing RestMessageInterceptor", error.Message);
        AssertOneLineRefusal(error);
        Assert.Equal(0, handled.Count);
    }

    /// <summary>What the transcoder does instead, and what the refusal says about it.</summary>
    public static TheoryData<string, string> Misbehaviours => new()
    {
        { "refuses the substituted body", "did not hand RestMessageInterceptor the message read by the REST adapter (answered HTTP 400: Unable to read the request as JSON" },
        { "reads the request itself", "did not hand RestMessageInterceptor the message read by the REST adapter (answered HTTP 200)" },
        { "writes errors with 200", "was first written with HTTP 200: an error cannot be told from a success" },
        { "writes successes with 202", "was first written with HTTP 202, not 200" },
        { "writes errors as plain text", "without a google.rpc.Status body" },
    };

    [Theory]
    [MemberData(nameof(Misbehaviours))]
    public async Task A_transcoder_that_misbehaves_is_refused_in_one_line_naming_what_it_did(string misbehaviour, string said)
    {
        await using var host = await ThingsHost.StartAsync(withRestMessageInterceptor: true);
        var bridge = host.App.Services.GetRequiredService<TranscoderBridge>();
        var transcoded = host.App.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .Where(endpoint => endpoint.Metadata.GetMetadata<Microsoft.AspNetCore.Grpc.JsonTranscoding.GrpcJsonTranscodingMetadata>() is not null)
            .ToList();
        var changed = transcoded.Select(endpoint => new Endpoint(Misbehave(misbehaviour, endpoint.RequestDelegate!), endpoint.Metadata, endpoint.DisplayName));

        var error = await Assert.ThrowsAsync<IncompatibleFrameworkException>(() => bridge.CheckAsync(changed, host.App.Services, CancellationToken.None));

        output.WriteLine(error.Message);
        Assert.Contains(said, error.Message);
        AssertOneLineRefusal(error);
        Assert.Equal(0, host.Handled.Count);
    }

    /// <summary>The transcoder's own endpoint, changed as a transcoder that behaves otherwise would be.</summary>
    private static RequestDelegate Misbehave(string misbehaviour, RequestDelegate transcoder) => misbehaviour switch
    {
        "refuses the substituted body" => context =>
        {
            if (context.Request.ContentType is not null)
            {
                context.Request.ContentType = "text/plain";
            }
            return transcoder(context);
        },
        "reads the request itself" => async context =>
        {
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync("{}");
        },
        "writes errors with 200" => context => WithStatusAtFirstWrite(context, transcoder, status => StatusCodes.Status200OK),
        "writes successes with 202" => context => WithStatusAtFirstWrite(context, transcoder,
            status => status == StatusCodes.Status200OK ? StatusCodes.Status202Accepted : status),
        "writes errors as plain text" => async context =>
        {
            await transcoder(context);
            if (context.Response.StatusCode != StatusCodes.Status200OK)
            {
                await context.Response.WriteAsync(" and some words");
            }
        },
        _ => throw new ArgumentOutOfRangeException(nameof(misbehaviour)),
    };

    private static async Task WithStatusAtFirstWrite(HttpContext context, RequestDelegate transcoder, Func<int, int> status)
    {
        var body = context.Response.Body;
        context.Response.Body = new FirstWrite(body, () => context.Response.StatusCode = status(context.Response.StatusCode));
        try
        {
            await transcoder(context);
        }
        finally
        {
            context.Response.Body = body;
        }
    }

    private static void AssertOneLineRefusal(Exception error)
    {
        Assert.True(StartRefusal.Is(error));
        Assert.DoesNotContain('\n', StartRefusal.Describe(error));
        Assert.Contains("Microsoft.AspNetCore.Grpc.JsonTranscoding 10.0.15", error.Message);
        Assert.Contains("src/Missions.Grpc/Rest/TranscoderBridge.cs", error.Message);
    }

    /// <summary>Runs <paramref name="before"/> once, at the first write, then writes through.</summary>
    private sealed class FirstWrite(Stream inner, Action before) : Stream
    {
        private bool _written;

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (!_written)
            {
                _written = true;
                before();
            }
            return inner.WriteAsync(buffer, cancellationToken);
        }

        public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer, offset, count, default).GetAwaiter().GetResult();

        public override void Flush() => inner.Flush();

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }

    /// <summary>How many calls reached the test service's handlers.</summary>
    private sealed class HandledCalls
    {
        private int _count;

        public int Count => _count;

        public void Add() => Interlocked.Increment(ref _count);
    }

    /// <summary>The test service on the REST face, its pipeline with or without <see cref="RestMessageInterceptor"/>.</summary>
    private sealed class ThingsHost : IAsyncDisposable
    {
        private ThingsHost(WebApplication app, HandledCalls handled)
        {
            App = app;
            Handled = handled;
            Client = app.GetTestClient();
        }

        public WebApplication App { get; }

        public HandledCalls Handled { get; }

        public HttpClient Client { get; }

        public static async Task<ThingsHost> StartAsync(bool withRestMessageInterceptor, HandledCalls? handled = null)
        {
            handled ??= new HandledCalls();
            var builder = WebApplication.CreateBuilder();
            builder.WebHost.UseTestServer();
            builder.Services.AddOptions<RestOptions>();
            builder.Services.AddSingleton(new MessageValidator(ShapingTestReflection.Descriptor.Services));
            builder.Services.AddSingleton<Missions.Grpc.Telemetry.ApiMetrics>();
            builder.Services.AddSingleton(handled);
            builder.Services.AddGrpc(options =>
            {
                options.Interceptors.Add<ErrorInterceptor>();
                if (withRestMessageInterceptor)
                {
                    options.Interceptors.Add<RestMessageInterceptor>();
                }
            });
            TranscoderBridge.AddTo(builder.Services);
            var app = builder.Build();
            app.UseRouting();
            app.UseMiddleware<RestShapingMiddleware>();
            app.MapGrpcService<CountingThings>();
            try
            {
                await app.StartAsync();
            }
            catch
            {
                await app.DisposeAsync();
                throw;
            }
            return new ThingsHost(app, handled);
        }

        public async ValueTask DisposeAsync() => await App.DisposeAsync();
    }

    private sealed class CountingThings(HandledCalls handled) : ShapingTestService.ShapingTestServiceBase
    {
        public override Task<ThingResponse> DeleteThing(ThingRequest request, ServerCallContext context)
        {
            handled.Add();
            return Task.FromResult(new ThingResponse { ThingId = request.ThingId, State = "deleted" });
        }

        public override Task<ThingResponse> CancelThing(ThingRequest request, ServerCallContext context)
        {
            handled.Add();
            if (request.ThingId == "finished")
            {
                throw new ConflictException("Thing is already finished", "THING_FINISHED");
            }
            return Task.FromResult(new ThingResponse { ThingId = request.ThingId, State = "cancelled" });
        }
    }
}
