using System.Text;

namespace Missions.Grpc.Storage.Core;

/// <summary>
/// What an object takes against <c>Quotas:MaxStoredBytesPerOrganization</c>: the UTF-8 bytes of its text and JSON plus
/// <see cref="Fixed"/> for its ids, times and numbers, in whole KiB (rounded up) so that an organization's total fits a
/// counter. The same object always has the same size: what a write adds, its delete takes away.
/// </summary>
internal static class StoredSize
{
    /// <summary>An object's fixed fields (ids, times, numbers), whatever it holds.</summary>
    public const int Fixed = 64;

    public static int KiB(MissionDocument m) => KiB(Bytes(m.Name, m.Description, m.Model, m.Instructions, m.ExecutionMode, m.MetadataJson));

    public static int KiB(RunDocument r) => KiB(Bytes(r.Status, r.InputJson, r.MetadataJson, r.ResultSummary, r.ResultPayloadJson, r.Error));

    public static int KiB(StepDocument s) => KiB(Bytes(s.StepId, s.Description, s.ParentStepId, s.Status, s.MetadataJson));

    public static int KiB(EventDocument e) => KiB(Bytes(e.Type, e.Summary, e.StepId, e.AgentId, e.IdempotencyKey, e.PayloadJson));

    public static int KiB(AgentLinkDocument l) => KiB(Bytes(l.TelnyxAgentId));

    public static int KiB(AttachmentDocument a) => KiB(Bytes(a.ItemId, a.DefinitionJson));

    /// <summary>A stored <c>Idempotency-Key</c> answer: its key, the request's fingerprint and the answer.</summary>
    public static int KiB(string key, string fingerprint, int resultBytes) => KiB(Bytes(key, fingerprint) + resultBytes);

    private static long Bytes(params string?[] texts)
    {
        long bytes = Fixed;
        foreach (var text in texts)
        {
            bytes += text is null ? 0 : Encoding.UTF8.GetByteCount(text);
        }
        return bytes;
    }

    private static int KiB(long bytes) => (int)((bytes + 1023) / 1024);
}
