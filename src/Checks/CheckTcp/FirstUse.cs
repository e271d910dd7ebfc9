using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using MetaCheck.Core;

namespace MetaCheck.Checks.CheckTcp;

/// <summary>
/// Pays the runtime's first-use costs of TLS on a throw-away loopback connection to ourselves, before a
/// plugin starts the clock of a duration it reports, so the figure is the peer's and not our start-up:
/// on loopback a handshake read 3-4 ms cold (OpenSSL's context, SslStream, the socket engine that its
/// async reads and writes start) against about 1.5 ms warm. A plain TCP connect needs no warm-up since it connects on the
/// calling thread (<see cref="TcpProbe.ConnectHere"/>): it reads 0 ms cold. A failure here is ignored:
/// the real connection reports it in its own words.
/// </summary>
internal static class FirstUse
{
    /// <summary>
    /// The trust store, the local time zone, and a TLS client up to its ClientHello, with the real
    /// handshake's name and versions so it finds its OpenSSL context made (our side hangs up at once, so
    /// no session is cached that the real handshake could resume).
    /// </summary>
    public static void Tls(string targetHost, SslProtocols protocols)
    {
        TcpTls.LoadTrustStore();
        // The chain is checked at the local time (X509ChainPolicy.VerificationTime): .NET reads the zone for it,
        // and its OpenSSL shim converts that time back with mktime(3), so glibc reads it too. Each first read
        // opens and parses /etc/localtime, inside the handshake otherwise.
        _ = TimeZoneInfo.Local;
        NativeTimeZone.Load();
        Loopback(targetHost, protocols);
    }

    private static void Loopback(string targetHost, SslProtocols protocols)
    {
        try
        {
            using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            listener.Listen(1);
            using var limit = new StepLimit(TimeSpan.FromSeconds(1));
            using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            TcpProbe.ConnectHere(client, listener.LocalEndPoint!, limit);
            using var stream = new NetworkStream(client, ownsSocket: false);
            listener.Accept().Dispose(); // the ClientHello meets a closed peer: the handshake fails at once
            using var ssl = new SslStream(stream, leaveInnerStreamOpen: true);
            var options = new SslClientAuthenticationOptions { TargetHost = targetHost, EnabledSslProtocols = protocols };
            limit.Wait(ssl.AuthenticateAsClientAsync(options, limit.Token));
        }
        catch (Exception e) when (e is SocketException or IOException or AuthenticationException or OperationCanceledException
                                      or ObjectDisposedException or PlatformNotSupportedException)
        {
            // Expected for the handshake; anything else the real connection reports in its own words.
        }
    }
}
