using Missions.Grpc.Storage;

namespace Missions.Grpc.Tests.Infrastructure;

/// <summary>A backend a test builds opens as the server's does (<see cref="IStorageBackend.OpenAsync"/>, run as the host starts).</summary>
internal static class OpenedBackend
{
    /// <summary><paramref name="backend"/>, opened; disposed when it cannot open (the error is thrown on).</summary>
    public static T Opened<T>(this T backend) where T : IStorageBackend
    {
        try
        {
            backend.OpenAsync().GetAwaiter().GetResult();
            return backend;
        }
        catch
        {
            backend.Dispose();
            throw;
        }
    }
}
