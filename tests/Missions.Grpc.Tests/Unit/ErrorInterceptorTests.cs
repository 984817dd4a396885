using Grpc.Core;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Missions.Grpc.Errors;
using Missions.Grpc.Tests.Infrastructure;

namespace Missions.Grpc.Tests.Unit;

/// <summary>
/// A stream whose caller went away: the server's next write fails with the transport's IOException ("The request was
/// aborted or the pipeline has finished"), after the call's cancellation token was cancelled. That is the caller's
/// cancellation, not a server fault: answered CANCELLED without an error log (a REST watch closed by its client used to
/// log "Unhandled exception" whenever the close beat the server's first write). An IOException while the caller is still
/// there stays a server fault: INTERNAL, logged.
/// </summary>
public sealed class ErrorInterceptorTests
{
    [Fact]
    public async Task A_write_failing_because_the_caller_went_away_is_cancelled_and_not_logged_as_an_error()
    {
        using var callerGone = new CancellationTokenSource();
        await callerGone.CancelAsync();
        var (logs, interceptor) = Interceptor();

        var error = await Assert.ThrowsAsync<RpcException>(() => interceptor.ServerStreamingServerHandler<string, string>(
            "request", new NoWrites(), new Call(callerGone.Token),
            (_, _, _) => throw new IOException("The request was aborted or the pipeline has finished.")));

        Assert.Equal(StatusCode.Cancelled, error.StatusCode);
        Assert.Empty(logs.Errors);
    }

    [Fact]
    public async Task An_io_failure_while_the_caller_is_still_there_is_internal_and_logged()
    {
        var (logs, interceptor) = Interceptor();

        var error = await Assert.ThrowsAsync<RpcException>(() => interceptor.ServerStreamingServerHandler<string, string>(
            "request", new NoWrites(), new Call(CancellationToken.None),
            (_, _, _) => throw new IOException("disk on fire")));

        Assert.Equal(StatusCode.Internal, error.StatusCode);
        Assert.Single(logs.Errors);
    }

    private static (ErrorLogCollector Logs, ErrorInterceptor Interceptor) Interceptor()
    {
        var logs = new ErrorLogCollector();
        return (logs, new ErrorInterceptor(new Logger<ErrorInterceptor>(new LoggerFactory([logs])), TestMetrics.Api()));
    }

    private sealed class NoWrites : IServerStreamWriter<string>
    {
        public WriteOptions? WriteOptions { get; set; }

        public Task WriteAsync(string message) => throw new IOException("The request was aborted or the pipeline has finished.");
    }

    /// <summary>A call as the interceptor sees it: a method name, no deadline, the given cancellation, its HTTP context.</summary>
    private sealed class Call(CancellationToken cancellation) : ServerCallContext
    {
        private readonly Dictionary<object, object> _state = new() { ["__HttpContext"] = new DefaultHttpContext() };

        protected override string MethodCore => "/missions.v1.RunWatchService/WatchRun";
        protected override string HostCore => "localhost";
        protected override string PeerCore => "ipv4:127.0.0.1:1";
        protected override DateTime DeadlineCore => DateTime.MaxValue;
        protected override Metadata RequestHeadersCore { get; } = [];
        protected override CancellationToken CancellationTokenCore => cancellation;
        protected override Metadata ResponseTrailersCore { get; } = [];
        protected override Status StatusCore { get; set; }
        protected override WriteOptions? WriteOptionsCore { get; set; }
        protected override AuthContext AuthContextCore => new(null, []);
        protected override IDictionary<object, object> UserStateCore => _state;

        protected override ContextPropagationToken CreatePropagationTokenCore(ContextPropagationOptions? options) => throw new NotSupportedException();

        protected override Task WriteResponseHeadersAsyncCore(Metadata responseHeaders) => Task.CompletedTask;
    }
}
