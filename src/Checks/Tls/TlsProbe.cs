using System.Diagnostics;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using MetaCheck.Checks.CheckTcp;
using MetaCheck.Checks.Framework;
using MetaCheck.Core;

namespace MetaCheck.Checks.Tls;

/// <summary>Where a TLS probe failed.</summary>
public enum TlsFailure
{
    Resolve,
    Connect,
    Timeout,
    Handshake,
    /// <summary>This host's OpenSSL refused to offer the requested versions: nothing was sent to the server.</summary>
    NotOffered,
    /// <summary>The certificate failed verification (only without <see cref="TlsRequest.AcceptAnyCertificate"/>).</summary>
    Verification,
}

public sealed class TlsProbeException(TlsFailure failure, string message) : Exception(message)
{
    public TlsFailure Failure { get; } = failure;
    /// <summary>The phases that finished before the failure (null: not reached).</summary>
    public TimeSpan? DnsTime { get; init; }
    public TimeSpan? ConnectTime { get; init; }
}

/// <summary>One connection to make: host and port, the name to send as SNI and verify, limits and trust.</summary>
public sealed record TlsRequest
{
    public required string Host { get; init; }
    public required int Port { get; init; }
    /// <summary>SNI and the name the certificate must match; null: the host.</summary>
    public string? ServerName { get; init; }
    public required TimeSpan Timeout { get; init; }
    /// <summary>None: what the system's OpenSSL allows by default.</summary>
    public SslProtocols Protocols { get; init; } = SslProtocols.None;
    /// <summary>Trust only these roots instead of the system's.</summary>
    public X509Certificate2Collection? TrustedRoots { get; init; }
    /// <summary>Stop after connecting (an http:// URL): no handshake, <see cref="TlsSession.HandshakeTime"/> is zero.</summary>
    public bool NoTls { get; init; }
    /// <summary>Complete the handshake whatever the certificate; its problems are reported in <see cref="TlsSession.Problems"/>.</summary>
    public bool AcceptAnyCertificate { get; init; }
}

/// <summary>A finished handshake: phase timings, what was negotiated and what is wrong with the certificate.</summary>
public sealed class TlsSession : IDisposable
{
    public required TimeSpan DnsTime { get; init; }
    public required TimeSpan ConnectTime { get; init; }
    public required TimeSpan HandshakeTime { get; init; }
    public required string Display { get; init; }
    public required SslProtocols Protocol { get; init; }
    public required X509Certificate2? Leaf { get; init; }
    /// <summary>Empty when the certificate verified (chain to a trusted root, name, validity period).</summary>
    public required IReadOnlyList<string> Problems { get; init; }

    /// <summary>Name lookup, connect and handshake together, seconds, from 0 to the time limit they shared.</summary>
    public PerfValue Time(TlsRequest request) =>
        new("time", (DnsTime + ConnectTime + HandshakeTime).TotalSeconds, "s", null, null, 0, request.Timeout.TotalSeconds);

    /// <summary>-v: where it connected and how long each phase took.</summary>
    public string Steps =>
        $"connected to {Display} in {DetailText.Seconds(DnsTime + ConnectTime)} (name lookup {DetailText.Seconds(DnsTime)}), " +
        $"{TlsProbe.Versions(Protocol)} handshake in {DetailText.Seconds(HandshakeTime)}";

    public void Dispose() => Leaf?.Dispose();
}

/// <summary>
/// Resolve, connect and handshake with one deadline, each phase timed on its own. Shared by the TLS
/// plugins; the socket error texts are check-tcp's (<see cref="TcpProbe"/>).
/// </summary>
public static class TlsProbe
{
    public static TlsSession Open(TlsRequest r, Func<DateTime> utcNow)
    {
        var bare = r.Host.Length > 2 && r.Host[0] == '[' && r.Host[^1] == ']' ? r.Host[1..^1] : r.Host;
        var serverName = r.ServerName ?? (bare.Length == 0 ? "localhost" : bare);
        if (!r.NoTls) FirstUse.Tls(serverName, r.Protocols);
        using var limit = new StepLimit(r.Timeout);
        var secs = TcpProbe.Secs(r.Timeout);

        var clock = Stopwatch.StartNew();
        Socket socket;
        string display;
        TimeSpan dns;
        try
        {
            socket = TcpProbe.ConnectTcp(bare, r.Port, r.Timeout, limit, out display, out dns);
        }
        catch (ProbeException e)
        {
            var failure = e.TimedOut ? TlsFailure.Timeout : e.Resolving ? TlsFailure.Resolve : TlsFailure.Connect;
            throw new TlsProbeException(failure, e.Message) { DnsTime = e.DnsTime };
        }
        TimeSpan? connectTime = null;
        TlsProbeException Fail(TlsFailure failure, string message) => new(failure, message) { DnsTime = dns, ConnectTime = connectTime };
        var connect = clock.Elapsed - dns;
        connectTime = connect;
        if (r.NoTls)
        {
            socket.Dispose();
            return new TlsSession
            {
                DnsTime = dns, ConnectTime = connect, HandshakeTime = TimeSpan.Zero, Display = display,
                Protocol = SslProtocols.None, Leaf = null, Problems = [],
            };
        }

        var counting = new SentCounter(new NetworkStream(socket, ownsSocket: true));
        using var ssl = new SslStream(counting, leaveInnerStreamOpen: false);
        List<string> problems = [];
        X509Certificate2? leaf = null;
        var options = new SslClientAuthenticationOptions
        {
            TargetHost = serverName,
            EnabledSslProtocols = r.Protocols,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            RemoteCertificateValidationCallback = (_, certificate, chain, errors) =>
            {
                if (certificate is not null) leaf = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
                problems = Describe(errors, chain, leaf, serverName, utcNow());
                return r.AcceptAnyCertificate || problems.Count == 0;
            },
        };
        if (r.TrustedRoots is { } roots)
        {
            var policy = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck };
            policy.CustomTrustStore.AddRange(roots);
            options.CertificateChainPolicy = policy;
        }

        clock.Restart();
        try
        {
            limit.Wait(ssl.AuthenticateAsClientAsync(options, limit.Token));
        }
        catch (OperationCanceledException)
        {
            leaf?.Dispose();
            throw Fail(TlsFailure.Timeout, $"TLS handshake with {display}: timed out after {secs} seconds");
        }
        catch (Exception e) when (e is AuthenticationException or IOException or SocketException or ObjectDisposedException
                                      or PlatformNotSupportedException)
        {
            leaf?.Dispose();
            if (problems.Count > 0)
                throw Fail(TlsFailure.Verification, $"TLS handshake with {display}: {string.Join("; ", problems)}");
            if (!counting.SentHandshake)
                throw Fail(TlsFailure.NotOffered,
                    $"this host's OpenSSL refused to offer {Versions(r.Protocols)} (security level or MinProtocol in its openssl.cnf); no ClientHello was sent to {display}");
            throw Fail(TlsFailure.Handshake, $"TLS handshake with {display}: {TcpTls.Explain(e)}");
        }
        var handshake = clock.Elapsed;
        return new TlsSession
        {
            DnsTime = dns, ConnectTime = connect, HandshakeTime = handshake, Display = display,
            Protocol = ssl.SslProtocol, Leaf = leaf, Problems = problems,
        };
    }

    /// <summary>`TLS 1.2`, `TLS 1.0 or TLS 1.1`; `its default versions` for None.</summary>
    public static string Versions(SslProtocols protocols)
    {
        var names = new List<string>();
#pragma warning disable SYSLIB0039 // TLS 1.0/1.1 are named on purpose: finding servers that still accept them
        if (protocols.HasFlag(SslProtocols.Tls)) names.Add("TLS 1.0");
        if (protocols.HasFlag(SslProtocols.Tls11)) names.Add("TLS 1.1");
#pragma warning restore SYSLIB0039
        if (protocols.HasFlag(SslProtocols.Tls12)) names.Add("TLS 1.2");
        if (protocols.HasFlag(SslProtocols.Tls13)) names.Add("TLS 1.3");
        return names.Count == 0 ? "its default TLS versions" : string.Join(" or ", names);
    }

    /// <summary>What is wrong with the certificate, in an SRE's words; empty when it verified.</summary>
    private static List<string> Describe(SslPolicyErrors errors, X509Chain? chain, X509Certificate2? leaf,
        string serverName, DateTime utcNow)
    {
        var problems = new List<string>();
        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable)) problems.Add("the server sent no certificate");
        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateChainErrors))
        {
            var flags = chain?.ChainStatus.Aggregate(X509ChainStatusFlags.NoError, (all, s) => all | s.Status) ?? X509ChainStatusFlags.NoError;
            if (leaf is not null && CertText.NotAfterUtc(leaf) < utcNow)
            {
                problems.Add($"the certificate expired on {CertText.OpensslDate(CertText.NotAfterUtc(leaf))}");
            }
            else if (leaf is not null && CertText.NotBeforeUtc(leaf) > utcNow)
            {
                problems.Add($"the certificate is not valid before {CertText.OpensslDate(CertText.NotBeforeUtc(leaf))}");
            }
            else if (flags.HasFlag(X509ChainStatusFlags.NotTimeValid))
            {
                problems.Add("a certificate in the chain is outside its validity period");
            }
            var rest = flags & ~(X509ChainStatusFlags.NotTimeValid | X509ChainStatusFlags.NotTimeNested);
            if (rest.HasFlag(X509ChainStatusFlags.UntrustedRoot))
                problems.Add(leaf is not null && leaf.SubjectName.RawData.AsSpan().SequenceEqual(leaf.IssuerName.RawData)
                    ? "the certificate is self-signed and not trusted"
                    : "the chain ends in an untrusted root");
            if (rest.HasFlag(X509ChainStatusFlags.PartialChain)) problems.Add("the issuer is unknown (incomplete chain or untrusted CA)");
            if (rest.HasFlag(X509ChainStatusFlags.Revoked)) problems.Add("the certificate is revoked");
            var other = rest & ~(X509ChainStatusFlags.UntrustedRoot | X509ChainStatusFlags.PartialChain | X509ChainStatusFlags.Revoked);
            if (other != X509ChainStatusFlags.NoError) problems.Add($"the chain does not verify ({other})");
            if (problems.Count == 0) problems.Add("the chain does not verify");
        }
        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch)) problems.Add($"the certificate is not valid for '{serverName}'");
        return problems;
    }

    /// <summary>
    /// Watches the first record written, to tell "the server said no" from "our OpenSSL never sent a
    /// ClientHello" (nothing at all, or only an alert record, 0x15, when it cannot offer the versions).
    /// </summary>
    private sealed class SentCounter(Stream inner) : Stream
    {
        private long _sent;
        private byte _first;

        /// <summary>The first record was a handshake record (content type 0x16): a ClientHello went out.</summary>
        public bool SentHandshake => _sent > 0 && _first == 0x16;

        private void Note(ReadOnlySpan<byte> data)
        {
            if (_sent == 0 && data.Length > 0) _first = data[0];
            _sent += data.Length;
        }
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() => inner.Flush();
        public override Task FlushAsync(CancellationToken token) => inner.FlushAsync(token);
        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken token = default) => inner.ReadAsync(buffer, token);
        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken token) => inner.ReadAsync(buffer, offset, count, token);
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count)
        {
            Note(buffer.AsSpan(offset, count));
            inner.Write(buffer, offset, count);
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken token = default)
        {
            Note(buffer.Span);
            return inner.WriteAsync(buffer, token);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken token)
        {
            Note(buffer.AsSpan(offset, count));
            return inner.WriteAsync(buffer, offset, count, token);
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) inner.Dispose();
            base.Dispose(disposing);
        }
    }
}
