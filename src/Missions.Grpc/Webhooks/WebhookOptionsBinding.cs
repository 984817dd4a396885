namespace Missions.Grpc.Webhooks;

/// <summary>
/// Binds the <c>Webhooks</c> section. The configuration binder appends an array's configured items to the items the
/// property already holds, so a plain <c>Bind</c> would run the default retry schedule and then the operator's; here a
/// configured <c>RetrySchedule</c> replaces the default whole.
/// </summary>
internal static class WebhookOptionsBinding
{
    public static void Bind(IConfiguration section, WebhookOptions options)
    {
        section.Bind(options);
        var schedule = section.GetSection(nameof(WebhookOptions.RetrySchedule));
        if (schedule.GetChildren().Any())
        {
            options.RetrySchedule = schedule.Get<TimeSpan[]>() ?? [];
        }
    }
}
