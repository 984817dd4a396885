namespace Missions.Grpc.Tls;

/// <summary>What TLS client authentication logs.</summary>
internal static partial class TlsLog
{
    [LoggerMessage(701, LogLevel.Debug, "Client certificate {Subject} refused: {Status}", EventName = "CertificateRefused")]
    public static partial void CertificateRefused(ILogger logger, string subject, string status);
}
