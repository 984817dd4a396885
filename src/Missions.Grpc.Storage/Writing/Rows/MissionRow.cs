namespace Missions.Grpc.Storage.Writing;

/// <summary>A mission as the write side keeps it: the document and how many attachments it holds (null: not kept, as in files written before it was).</summary>
internal sealed record MissionRow(MissionDocument Mission, int? AttachmentCount);
