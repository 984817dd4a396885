using Microsoft.Extensions.Options;
using Missions.Grpc.Protocol;
using ProtoValidate;
using Missions.Grpc.Configuration;

namespace Missions.Grpc.Validation;

/// <summary>Requests are checked against the contract's protovalidate rules, compiled once, and answered in pydantic's words.</summary>
public static class ValidationComposition
{
    public static WebApplicationBuilder AddMissionsValidation(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<ValidationOptions>().BindAtStart(ValidationOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton(sp => new MessageValidator(
            ApiContract.Services,
            sp.GetRequiredService<IOptions<ValidationOptions>>().Value.MaxFreeFormDepth,
            sp.GetRequiredService<IOptions<ValidationOptions>>().Value.MaxFreeFormBytes,
            new Validator(new ValidatorOptions { FileDescriptors = [.. ApiContract.Files] })));
        services.AddSingleton<ValidationInterceptor>();
        return builder;
    }
}
