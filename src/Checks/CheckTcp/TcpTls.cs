using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace MetaCheck.Checks.CheckTcp;

/// <summary>The TLS client side of -S. Kept apart so TLS types are only touched when -S is given.</summary>
internal static class TcpTls
{
    /// <summary>
    /// Loads what the handshake would otherwise load inside the timed window: the system trust store
    /// (about 100 ms on a typical host; .NET builds the chain even with --no-check-certificate). Part of
    /// <see cref="FirstUse.Tls"/>, called before the clock starts.
    /// </summary>
    public static void LoadTrustStore()
    {
        try
        {
            using var store = new X509Store(StoreName.Root, StoreLocation.LocalMachine);
            store.Open(OpenFlags.ReadOnly);
            _ = store.Certificates.Count;
        }
        catch (Exception e) when (e is System.Security.Cryptography.CryptographicException or PlatformNotSupportedException)
        {
            // The handshake will report the problem in its own words.
        }
    }

    public static Stream Handshake(NetworkStream inner, string targetHost, bool noCheckCertificate, string display,
        TimeSpan? timeout, StepLimit limit)
    {
        var ssl = new SslStream(inner, leaveInnerStreamOpen: false);
        string? verdict = null;
        var options = new SslClientAuthenticationOptions
        {
            TargetHost = targetHost,
            RemoteCertificateValidationCallback = (_, _, chain, errors) =>
            {
                if (noCheckCertificate || errors == SslPolicyErrors.None) return true;
                verdict = Describe(errors, chain, targetHost);
                return false;
            },
        };
        try
        {
            limit.Wait(ssl.AuthenticateAsClientAsync(options, limit.Token));
            return ssl;
        }
        catch (OperationCanceledException)
        {
            ssl.Dispose();
            throw new ProbeException($"TLS handshake with {display} failed: timed out after {TcpProbe.Secs(timeout)} seconds");
        }
        catch (Exception e) when (e is AuthenticationException or IOException or SocketException or ObjectDisposedException)
        {
            ssl.Dispose();
            var reason = verdict ?? Explain(e);
            throw new ProbeException($"TLS handshake with {display} failed: {reason}");
        }
    }

    /// <summary>-v: what the handshake settled on (`TLS 1.3, TLS_AES_256_GCM_SHA384, certificate CN=db1`).</summary>
    public static string Summary(Stream stream) => stream is SslStream ssl
        ? $"{Tls.TlsProbe.Versions(ssl.SslProtocol)}, {ssl.NegotiatedCipherSuite}, certificate {ssl.RemoteCertificate?.Subject ?? "none"}"
        : "";

    /// <summary>AOT builds carry resource keys instead of exception texts, so the reasons are ours.</summary>
    internal static string Explain(Exception e)
    {
        for (var x = e; x is not null; x = x.InnerException)
            if (x is SocketException) return TcpProbe.Reason(x);
        return e is AuthenticationException
            ? "the TLS negotiation failed (no common protocol version or cipher, or not a TLS service)"
            : "the connection closed or the answer was not TLS (is this a TLS port?)";
    }

    private static string Describe(SslPolicyErrors errors, X509Chain? chain, string targetHost)
    {
        var parts = new List<string>();
        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable)) parts.Add("the server sent no certificate");
        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch)) parts.Add($"the certificate is not valid for '{targetHost}'");
        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateChainErrors))
        {
            var statuses = chain?.ChainStatus.Select(c => c.Status.ToString()).Distinct().ToList() ?? [];
            parts.Add(statuses.Count > 0 ? $"the certificate is not trusted ({string.Join(", ", statuses)})" : "the certificate is not trusted");
        }
        return string.Join("; ", parts);
    }
}
