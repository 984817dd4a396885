namespace Missions.Grpc.Storage;

/// <summary>
/// The one convention for "not found", shared by every store and backend: an operation that addresses something that
/// does not exist for the caller throws <see cref="ResourceNotFoundException"/> naming the nearest missing resource
/// (a run under an unknown mission is "Mission not found"); stores never answer null or false for it.
/// </summary>
public static class NotFound
{
    public static ResourceNotFoundException Mission() => new("Mission");

    public static ResourceNotFoundException Run() => new("Run");

    public static ResourceNotFoundException Step() => new("Step");

    public static ResourceNotFoundException Event() => new("Event");

    public static ResourceNotFoundException AgentLink() => new("Telnyx agent link");

    public static ResourceNotFoundException Webhook() => new("Webhook");

    public static ResourceNotFoundException Delivery() => new("Webhook delivery");

    public static ResourceNotFoundException Attachment(AttachmentKind kind) => new(kind.Noun);

    /// <summary>A run that was not found: "Run" when its mission exists, "Mission" when that is unknown too.</summary>
    public static ResourceNotFoundException RunOrMission(bool missionExists) => missionExists ? Run() : Mission();
}
