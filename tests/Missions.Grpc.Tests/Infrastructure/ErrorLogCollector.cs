using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Missions.Grpc.Tests.Infrastructure;

/// <summary>
/// Collects the log entries of a test host: Error and Critical ones in <see cref="Errors"/>, so a test can
/// fail on them, and every entry the host's log levels let through in <see cref="All"/>.
/// </summary>
public sealed class ErrorLogCollector : ILoggerProvider
{
    public ConcurrentQueue<string> Errors { get; } = new();

    public ConcurrentQueue<string> All { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Collector(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Collector(ErrorLogCollector owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var entry = $"{category}: {formatter(state, exception)} {exception}";
            owner.All.Enqueue(entry);
            if (logLevel >= LogLevel.Error)
            {
                owner.Errors.Enqueue(entry);
            }
        }
    }
}
