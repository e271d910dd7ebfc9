using System.CommandLine;
using MetaCheck.Core;

namespace MetaCheck.Checks.Tls;

/// <summary>The connection options the TLS checks share: -H, -p, --sni, -t, --ca-file.</summary>
public sealed class TlsOptions
{
    public Option<string?> Host { get; } = Opt.Text("-H", "Host name or IP address to connect to. Required.", "--host");
    public Option<int> Port { get; } = Opt.Int("-p", "TCP port.", 443, 1, 65535, "--port");
    public Option<string?> Sni { get; } = Opt.Text("--sni", "Server name to send (SNI) and to verify the certificate against (default: the host).");
    public Option<TimeSpan?> Timeout { get; } = Opt.Duration("-t", "Time allowed for resolving, connecting and the handshake together (default: 10).", TimeSpan.FromHours(1), "--timeout");
    public Option<string?> CaFile { get; } = Opt.Text("--ca-file", "Trust only the CA certificates in this PEM file instead of the system's.");

    public Option[] All(bool withCaFile) => withCaFile ? [Host, Port, Sni, Timeout, CaFile] : [Host, Port, Sni, Timeout];

    /// <summary>The request the options describe; a missing -H or a zero timeout is a usage error, an unreadable --ca-file UNKNOWN.</summary>
    public TlsRequest Request(ParseResult parsed)
    {
        var host = parsed.GetValue(Host) ?? throw new UsageException("give -H HOST (and -p PORT unless 443)");
        var timeout = parsed.GetValue(Timeout) ?? TimeSpan.FromSeconds(10);
        if (timeout <= TimeSpan.Zero) throw new UsageException("-t must be more than 0 seconds");
        return new TlsRequest
        {
            Host = host,
            Port = parsed.GetValue(Port),
            ServerName = parsed.GetValue(Sni),
            Timeout = timeout,
            TrustedRoots = parsed.GetValue(CaFile) is { } path ? CertText.LoadBundle(path) : null,
        };
    }

    /// <summary>`host:port` as given, for messages.</summary>
    public static string Target(TlsRequest r) => CheckTcp.TcpProbe.JoinHostPort(r.Host, r.Port);
}
