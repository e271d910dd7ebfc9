using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace MetaCheck.Tests.Support;

/// <summary>A CA made by the test, and leaf certificates it signs (or self-signed ones) with chosen names and dates.</summary>
public sealed class TestCa : IDisposable
{
    public X509Certificate2 Certificate { get; }

    public TestCa(string name = "MetaCheck Test CA")
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var now = DateTimeOffset.UtcNow;
        using var created = request.CreateSelfSigned(now.AddDays(-3650), now.AddDays(3650));
        Certificate = X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pfx), null);
    }

    public string Pem => Certificate.ExportCertificatePem() + "\n";

    /// <summary>A server certificate for localhost and 127.0.0.1 (or <paramref name="dnsName"/>), valid in [notBefore, notAfter].</summary>
    public X509Certificate2 Issue(DateTimeOffset notBefore, DateTimeOffset notAfter, string dnsName = "localhost", IPAddress? ip = null) =>
        Make(this, notBefore, notAfter, dnsName, ip ?? IPAddress.Loopback);

    public static X509Certificate2 SelfSigned(DateTimeOffset notBefore, DateTimeOffset notAfter, string dnsName = "localhost") =>
        Make(null, notBefore, notAfter, dnsName, IPAddress.Loopback);

    private static X509Certificate2 Make(TestCa? ca, DateTimeOffset notBefore, DateTimeOffset notAfter, string dnsName, IPAddress ip)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={dnsName}", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName(dnsName);
        san.AddIpAddress(ip);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        if (ca is null)
        {
            using var self = request.CreateSelfSigned(notBefore, notAfter);
            return X509CertificateLoader.LoadPkcs12(self.Export(X509ContentType.Pfx), null);
        }
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca.Certificate, true, false));
        var serial = RandomNumberGenerator.GetBytes(12);
        serial[0] &= 0x7f;
        using var signed = request.Create(ca.Certificate, notBefore, notAfter, serial);
        using var withKey = signed.CopyWithPrivateKey(key);
        return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pfx), null);
    }

    public void Dispose() => Certificate.Dispose();
}

/// <summary>
/// A TLS server on 127.0.0.1 that completes handshakes with one certificate and closes; optionally
/// limited to some protocol versions. Counts finished handshakes.
/// </summary>
public sealed class TlsPeer : IDisposable
{
    private readonly Socket _listener;
    private readonly X509Certificate2 _cert;
    private readonly SslProtocols _protocols;
    private readonly CancellationTokenSource _stop = new();
    private int _handshakes;

    public TlsPeer(X509Certificate2 cert, SslProtocols protocols = SslProtocols.None, IPAddress? address = null)
    {
        (_cert, _protocols) = (cert, protocols);
        _listener = new Socket((address ?? IPAddress.Loopback).AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        _listener.Bind(new IPEndPoint(address ?? IPAddress.Loopback, 0));
        _listener.Listen(16);
        _ = Task.Run(AcceptLoop);
    }

    public int Port => ((IPEndPoint)_listener.LocalEndPoint!).Port;
    public string P => Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
    public int Handshakes => Volatile.Read(ref _handshakes);

    /// <summary>The handshake count once it reaches <paramref name="expected"/> (the server side may finish after the client), or after <see cref="Patience.Bound"/>.</summary>
    public int HandshakesAtLeast(int expected)
    {
        Patience.Until(() => Handshakes >= expected);
        return Handshakes;
    }

    /// <summary>Whether this machine's OpenSSL lets a .NET server and client agree on <paramref name="protocol"/> on loopback.</summary>
    public static bool PlatformSupports(SslProtocols protocol, X509Certificate2 cert)
    {
        using var peer = new TlsPeer(cert, protocol);
        try
        {
            using var client = new TcpClient();
            client.Connect(IPAddress.Loopback, peer.Port);
            using var ssl = new SslStream(client.GetStream(), false, (_, _, _, _) => true);
            ssl.AuthenticateAsClient(new SslClientAuthenticationOptions { TargetHost = "localhost", EnabledSslProtocols = protocol });
            return ssl.SslProtocol == protocol;
        }
        catch (Exception e) when (e is AuthenticationException or IOException or SocketException or PlatformNotSupportedException)
        {
            return false;
        }
    }

    private Task AcceptLoop() => Loopback.AcceptLoop(_listener, _stop.Token, Serve);

    private async Task Serve(Socket client)
    {
        using var stream = new NetworkStream(client, ownsSocket: true);
        try
        {
            using var ssl = new SslStream(stream, leaveInnerStreamOpen: true);
            using var limit = new CancellationTokenSource(Patience.Bound);
            await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
            {
                ServerCertificate = _cert,
                EnabledSslProtocols = _protocols,
            }, limit.Token);
            Interlocked.Increment(ref _handshakes);
            var buffer = new byte[1024];
            while (await ssl.ReadAsync(buffer, limit.Token) > 0) { }
        }
        catch (Exception e) when (e is IOException or AuthenticationException or SocketException or ObjectDisposedException
                                      or OperationCanceledException or PlatformNotSupportedException)
        {
            // The client rejected the handshake or went away; some tests want exactly that.
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Dispose();
    }
}

/// <summary>What this machine's OpenSSL lets a .NET client do, found out independently of the code under test.</summary>
public static class LegacyTls
{
    /// <summary>Whether a client pinned to <paramref name="protocol"/> sends a ClientHello at all (a raw listener sees a handshake record, 0x16).</summary>
    public static bool ClientCanOffer(SslProtocols protocol)
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        var received = Task.Run(() =>
        {
            using var server = listener.Accept();
            server.ReceiveTimeout = (int)Patience.Bound.TotalMilliseconds;
            try
            {
                var first = new byte[512];
                return server.Receive(first) > 0 && first[0] == 0x16;
            }
            catch (SocketException)
            {
                return false;
            }
        });
        using (var client = new TcpClient())
        {
            client.Connect((IPEndPoint)listener.LocalEndPoint!);
            using var ssl = new SslStream(client.GetStream(), false, (_, _, _, _) => true);
            using var limit = new CancellationTokenSource(Patience.Bound); // the raw listener hangs up once it has read
            try
            {
                ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "localhost", EnabledSslProtocols = protocol }, limit.Token)
                    .GetAwaiter().GetResult();
            }
            catch (Exception e) when (e is AuthenticationException or IOException or OperationCanceledException or PlatformNotSupportedException or SocketException)
            {
            }
        }
        return received.Wait(Patience.Bound) && received.Result;
    }

#pragma warning disable SYSLIB0039 // probing TLS 1.0 on purpose
    public static bool ClientCanOfferTls10 { get; } = ClientCanOffer(SslProtocols.Tls);
#pragma warning restore SYSLIB0039
}

/// <summary>A fact that runs only where a .NET client can (or cannot) offer TLS 1.0; otherwise skipped with the reason.</summary>
public sealed class Tls10FactAttribute : FactAttribute
{
    public Tls10FactAttribute(bool clientCanOffer)
    {
        if (LegacyTls.ClientCanOfferTls10 != clientCanOffer)
            Skip = clientCanOffer
                ? "this host's OpenSSL does not let a .NET client offer TLS 1.0 (MinProtocol/security level), so acceptance of TLS 1.0 cannot be tested here"
                : "this host's OpenSSL lets a .NET client offer TLS 1.0, so the 'cannot test' path does not occur here";
    }
}

/// <summary>
/// What the TLS checks' tests share: a sandbox, a test CA (its PEM written as a --ca-file), and peers
/// and certificates disposed with the test.
/// </summary>
public abstract class TlsTestBed : IDisposable
{
    private readonly List<IDisposable> _owned = [];

    protected TlsTestBed()
    {
        CaFile = Box.PathOf("ca.pem");
        File.WriteAllText(CaFile, Ca.Pem);
    }

    protected Sandbox Box { get; } = new();
    protected TestCa Ca { get; } = new();
    protected string CaFile { get; }

    protected T Own<T>(T disposable) where T : IDisposable
    {
        _owned.Add(disposable);
        return disposable;
    }

    /// <summary>A peer serving <paramref name="cert"/>; both are disposed with the test.</summary>
    protected TlsPeer Serve(X509Certificate2 cert, SslProtocols protocols = SslProtocols.None) => Own(new TlsPeer(Own(cert), protocols));

    /// <summary>A date as openssl prints notAfter: `Jan  5 03:01:16 2026 GMT`.</summary>
    protected static string OpensslDate(DateTime utc) =>
        utc.ToString("MMM", CultureInfo.InvariantCulture) + " " + utc.Day.ToString(CultureInfo.InvariantCulture).PadLeft(2) + " " +
        utc.ToString("HH:mm:ss yyyy", CultureInfo.InvariantCulture) + " GMT";

    public void Dispose()
    {
        foreach (var d in _owned) d.Dispose();
        Ca.Dispose();
        Box.Dispose();
        GC.SuppressFinalize(this);
    }
}
