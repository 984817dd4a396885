using Missions.Grpc.Configuration;

namespace Missions.Grpc.Answers;

/// <summary>How many large answers the server builds and writes at once (<see cref="LargeAnswerInterceptor"/>).</summary>
public static class AnswerComposition
{
    public static WebApplicationBuilder AddMissionsAnswers(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<AnswerOptions>().BindAtStart(AnswerOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<LargeAnswerSlots>();
        builder.Services.AddSingleton<LargeAnswerInterceptor>();
        return builder;
    }
}
