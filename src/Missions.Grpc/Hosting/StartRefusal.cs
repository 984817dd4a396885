using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Options;
using Missions.Grpc.Protocol;
using Missions.Grpc.Storage;

namespace Missions.Grpc.Hosting;

/// <summary>
/// A start the operator must fix — settings that fail validation, storage that cannot be used, a listen address in use,
/// a framework this build was not written against — is refused by Program in one line naming the problem, exit code 1,
/// no stack trace.
/// </summary>
internal static class StartRefusal
{
    /// <summary>Whether <paramref name="error"/> (or every error it aggregates) is a refusal of that kind.</summary>
    public static bool Is(Exception error) => error switch
    {
        AggregateException { InnerExceptions.Count: > 0 } all => all.InnerExceptions.All(Is),
        OptionsValidationException or StorageStartException or IncompatibleFrameworkException or EndpointInUseException => true,
        IOException { InnerException: AddressInUseException } => true,
        _ => false,
    };

    /// <summary>What the refusal says: the message, or each aggregated one.</summary>
    public static string Describe(Exception error) => error is AggregateException all
        ? string.Join("; ", all.InnerExceptions.Select(Describe))
        : error.Message;
}
