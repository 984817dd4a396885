using Missions.Grpc.Configuration;

namespace Missions.Grpc.Idempotency;

/// <summary>
/// <c>Idempotency-Key</c> on every mutating method: the interceptor hands the key to the request's write, which keeps it
/// in its own transaction; expired keys are purged in the background (<see cref="IdempotencyPurge"/>).
/// </summary>
public static class IdempotencyComposition
{
    public static WebApplicationBuilder AddMissionsIdempotency(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<IdempotencyOptions>().BindAtStart(IdempotencyOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IdempotencyInterceptor>();
        services.AddHostedService<IdempotencyPurge>();
        return builder;
    }
}
