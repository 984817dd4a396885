using System.Net;
using System.Net.Sockets;

namespace Missions.Grpc.Hosting;

/// <summary>
/// Before Kestrel binds: an endpoint whose address another process holds stops the start in one line naming the
/// setting (Kestrel's own failure is a logged stack trace and a crash). Kestrel's bind stays the authority: a port taken
/// between this check and the bind is still refused, by the catch in Program.cs.
/// </summary>
internal static class ListenAddresses
{
    private const string Section = "Kestrel:Endpoints";

    public static void ThrowIfInUse(WebApplication app)
    {
        // Only for Kestrel: a test host's server binds nothing.
        if (app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>().GetType().Assembly != typeof(Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions).Assembly)
        {
            return;
        }
        foreach (var endpoint in app.Configuration.GetSection(Section).GetChildren())
        {
            var url = endpoint["Url"];
            if (url is null || Parse(url) is not { } address || address.Port == 0)
            {
                continue;
            }
            try
            {
                using var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
                socket.Bind(address);
            }
            catch (SocketException error) when (error.SocketErrorCode == SocketError.AddressAlreadyInUse)
            {
                throw new EndpointInUseException(
                    $"{url} ({endpoint.Path}:Url) is in use by another process. Stop that process, or set {endpoint.Path}:Url " +
                    "to a free address (e.g. environment variable " + endpoint.Path.Replace(":", "__", StringComparison.Ordinal) + "__Url).");
            }
        }
    }

    /// <summary>The address Kestrel would bind for a URL with an IP, <c>localhost</c>, <c>*</c> or <c>+</c> host; null for a host name.</summary>
    private static IPEndPoint? Parse(string url)
    {
        var authority = url.Split("://", 2) is [_, var rest] ? rest.Split('/', 2)[0] : null;
        var colon = authority?.LastIndexOf(':') ?? -1;
        if (authority is null || colon < 0 || !int.TryParse(authority[(colon + 1)..], out var port))
        {
            return null;
        }
        var host = authority[..colon].Trim('[', ']');
        var ip = host switch
        {
            "*" or "+" or "0.0.0.0" => IPAddress.Any,
            "localhost" => IPAddress.Loopback,
            _ => IPAddress.TryParse(host, out var parsed) ? parsed : null,
        };
        return ip is null ? null : new IPEndPoint(ip, port);
    }
}
