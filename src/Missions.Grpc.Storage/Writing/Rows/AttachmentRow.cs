namespace Missions.Grpc.Storage.Writing;

/// <summary>An attachment with what the store keeps beside it: its organization, and a UUIDv7 taken at creation (the list's order).</summary>
internal sealed record AttachmentRow(string Organization, AttachmentDocument Attachment, Guid Created);
