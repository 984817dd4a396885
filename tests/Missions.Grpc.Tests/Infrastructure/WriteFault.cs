
namespace Missions.Grpc.Tests.Infrastructure;

/// <summary>How an injected write fault meets the bytes of the write it fails.</summary>
public enum WriteFault
{
    /// <summary>Nothing of the write reaches the file.</summary>
    Before,

    /// <summary>Half of it does (a torn page, as a disk filling mid-write leaves).</summary>
    Torn,

    /// <summary>All of it does, and the write reports a failure anyway.</summary>
    After,
}
