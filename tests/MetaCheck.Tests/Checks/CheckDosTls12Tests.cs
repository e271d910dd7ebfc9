using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using MetaCheck.Checks.CheckDosTls12;
using MetaCheck.Tests.Support;

namespace MetaCheck.Tests.Checks;

/// <summary>check-dos-tls12 against TLS servers on loopback limited to chosen protocol versions.</summary>
public sealed class CheckDosTls12Tests : TlsTestBed
{
    private const string Check = "check-dos-tls12";
    // Self-signed on purpose: the check judges protocol versions, not the certificate.
    private TlsPeer Serve(SslProtocols protocols) =>
        Serve(TestCa.SelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30)), protocols);

    [Fact]
    public void Versions_are_parsed_deduplicated_and_sorted()
    {
        CheckDosTls12.ParseVersions("1.2, 1.0,1.2").Select(v => v.Version).Should().Equal("1.0", "1.2");
        var bad = () => CheckDosTls12.ParseVersions("1.3");
        bad.Should().Throw<MetaCheck.Core.UsageException>().WithMessage("--reject takes versions from 1.0, 1.1, 1.2, got '1.3'");
    }

    [Fact]
    public void A_TLS_1_2_only_server_is_CRITICAL_when_1_2_must_be_refused_and_WARNING_with_W()
    {
        var peer = Serve(SslProtocols.Tls12);
        var r = Box.Run(Check, "-H", "127.0.0.1", "-p", peer.P, "--reject", "1.2");
        (r.Exit, r.Stdout).Should().Be((2, $" CRITICAL: 127.0.0.1:{peer.Port} still accepts TLS 1.2 (should refuse TLS 1.2)\n"), r.ToString());
        var w = Box.Run(Check, "-H", "127.0.0.1", "-p", peer.P, "--reject", "1.2", "-W");
        (w.Exit, w.Stdout).Should().Be((1, $" WARNING: 127.0.0.1:{peer.Port} still accepts TLS 1.2 (should refuse TLS 1.2)\n"));
    }

    [Fact]
    public void A_TLS_1_3_only_server_refuses_1_2_and_is_OK()
    {
        var peer = Serve(SslProtocols.Tls13);
        var r = Box.Run(Check, "-H", "localhost", "-p", peer.P, "--reject", "1.2");
        (r.Exit, r.Stdout).Should().Be((0, $" OK: localhost:{peer.Port} refuses TLS 1.2 (negotiates TLS 1.3 by default)\n"), r.ToString());
    }

    [Fact]
    public void Perfdata_mode_counts_the_versions_still_accepted_and_times_the_default_handshake()
    {
        var modern = Serve(SslProtocols.Tls13);
        var r = Box.Run(Check, "-H", "localhost", "-p", modern.P, "--reject", "1.2", "--perfdata");
        r.Exit.Should().Be(0, r.ToString());
        r.Stdout.Should().MatchRegex($@"^ OK: localhost:{modern.Port} refuses TLS 1\.2 \(negotiates TLS 1\.3 by default\) \| accepted=0;;;0;1 time=\d+(\.\d+)?s;;;0;10\n$");

        Box.Env["METACHECK_PERFDATA"] = "1";
        var old = Serve(SslProtocols.Tls12);
        var c = Box.Run(Check, "-H", "127.0.0.1", "-p", old.P, "--reject", "1.2", "-t", "7");
        c.Exit.Should().Be(2, c.ToString());
        c.Stdout.Should().MatchRegex($@"^ CRITICAL: 127\.0\.0\.1:{old.Port} still accepts TLS 1\.2 \(should refuse TLS 1\.2\) \| accepted=1;;;0;1 time=\d+(\.\d+)?s;;;0;7\n$");
    }

    [Fact]
    public void Verbose_says_what_each_handshake_found()
    {
        var peer = Serve(SslProtocols.Tls13);
        var r = Box.Run(Check, "-H", "127.0.0.1", "-p", peer.P, "--reject", "1.2", "-v");
        r.Exit.Should().Be(0, r.ToString());
        r.Lines.Should().HaveCount(3, r.ToString());
        r.Lines[1].Should().MatchRegex($@"^default versions: connected to 127\.0\.0\.1:{peer.Port} in \d+(\.\d+)? s \(name lookup 0 s\), TLS 1\.3 handshake in \d+(\.\d+)? s$");
        r.Lines[2].Should().Be("TLS 1.2: refused");
    }

    /// <summary>An OpenSSL configuration that lets this host offer TLS 1.0/1.1, as the docs tell users to write.</summary>
    private void AllowLegacyVersions()
    {
        var conf = Box.PathOf("legacy-openssl.cnf");
        File.WriteAllText(conf, """
            openssl_conf = openssl_init

            [openssl_init]
            ssl_conf = ssl_sect

            [ssl_sect]
            system_default = system_default_sect

            [system_default_sect]
            MinProtocol = TLSv1
            CipherString = DEFAULT:@SECLEVEL=0

            """);
        Box.Env["OPENSSL_CONF"] = conf;
    }

    [Fact]
    public void A_modern_server_refusing_1_0_and_1_1_is_OK()
    {
        AllowLegacyVersions();
        var peer = Serve(SslProtocols.Tls12 | SslProtocols.Tls13);
        var r = Box.Run(Check, "-H", "127.0.0.1", "-p", peer.P);
        (r.Exit, r.Stdout).Should().Be((0, $" OK: 127.0.0.1:{peer.Port} refuses TLS 1.0, TLS 1.1 (negotiates TLS 1.3 by default)\n"), r.ToString());
    }

    [Fact]
    public void A_server_still_accepting_TLS_1_0_and_1_1_is_CRITICAL()
    {
        AllowLegacyVersions();
        // openssl s_server at security level 0 speaks TLS 1.0 and 1.1 even where .NET's server side will not.
        var port = OpensslServer("-min_protocol", "TLSv1");
        var r = Box.Run(Check, "-H", "127.0.0.1", "-p", port);
        (r.Exit, r.Stdout).Should().Be((2, $" CRITICAL: 127.0.0.1:{port} still accepts TLS 1.0, TLS 1.1 (should refuse TLS 1.0, TLS 1.1)\n"), r.ToString());
    }

    [Fact]
    public void A_server_that_speaks_only_TLS_1_0_is_caught_although_the_default_handshake_fails()
    {
        AllowLegacyVersions();
        var port = OpensslServer("-tls1");
        var r = Box.Run(Check, "-H", "127.0.0.1", "-p", port, "-W");
        (r.Exit, r.Stdout).Should().Be((1, $" WARNING: 127.0.0.1:{port} still accepts TLS 1.0 (should refuse TLS 1.0, TLS 1.1)\n"), r.ToString());
    }

    /// <summary>openssl s_server on a free loopback port with a fresh certificate; killed when the test ends.</summary>
    private string OpensslServer(params string[] protocolArgs)
    {
        var cert = Own(TestCa.SelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30)));
        var pem = Box.PathOf($"server-{Guid.NewGuid():N}.pem");
        File.WriteAllText(pem, cert.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem() + "\n" + cert.ExportCertificatePem() + "\n");
        int port = FreePort();
        var info = new ProcessStartInfo("openssl")
        {
            RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false,
        };
        foreach (var a in (string[])["s_server", "-accept", $"127.0.0.1:{port}", "-cert", pem, "-cipher", "DEFAULT:@SECLEVEL=0", "-quiet", .. protocolArgs])
            info.ArgumentList.Add(a);
        var server = Process.Start(info)!;
        Own(new Killer(server));
        WaitForPort(port);
        return port.ToString(CultureInfo.InvariantCulture);
    }

    private sealed class Killer(Process process) : IDisposable
    {
        public void Dispose()
        {
            try { process.Kill(); } catch (InvalidOperationException) { }
            process.Dispose();
        }
    }

    [Tls10Fact(clientCanOffer: false)]
    public void When_this_hosts_OpenSSL_cannot_offer_TLS_1_0_the_result_is_UNKNOWN_naming_the_reason()
    {
        var peer = Serve(SslProtocols.Tls12 | SslProtocols.Tls13);
        var r = Box.Run(Check, "-H", "127.0.0.1", "-p", peer.P, "--reject", "1.0");
        (r.Exit, r.Stdout).Should().Be((3, $" UNKNOWN: 127.0.0.1:{peer.Port}: cannot test TLS 1.0: this host's OpenSSL will not offer it " +
            "(security level or MinProtocol in openssl.cnf; run with OPENSSL_CONF set to a file that allows it)\n"), r.ToString());
        var both = Box.Run(Check, "-H", "127.0.0.1", "-p", peer.P);
        (both.Exit, both.Stdout).Should().Be((3, $" UNKNOWN: 127.0.0.1:{peer.Port}: cannot test TLS 1.0, TLS 1.1: this host's OpenSSL will not offer them " +
            "(security level or MinProtocol in openssl.cnf; run with OPENSSL_CONF set to a file that allows them)\n"), both.ToString());
    }

    [Fact]
    public void A_known_violation_is_reported_even_when_another_version_cannot_be_tested()
    {
        var peer = Serve(SslProtocols.Tls12);
        var r = Box.Run(Check, "-H", "127.0.0.1", "-p", peer.P, "--reject", "1.0,1.1,1.2");
        (r.Exit, r.Stdout).Should().Be((2, $" CRITICAL: 127.0.0.1:{peer.Port} still accepts TLS 1.2 (should refuse TLS 1.0, TLS 1.1, TLS 1.2)\n"), r.ToString());
    }

    [Fact]
    public void A_closed_port_a_plain_text_port_and_a_silent_port_are_CRITICAL_not_OK()
    {
        using var closed = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        closed.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var cp = ((IPEndPoint)closed.LocalEndPoint!).Port;
        var refused = Box.Run(Check, "-H", "127.0.0.1", "-p", cp.ToString(CultureInfo.InvariantCulture));
        (refused.Exit, refused.Stdout).Should().Be((2, $" CRITICAL: no TLS handshake possible: connect to 127.0.0.1:{cp}: connection refused\n"));

        using var plain = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        plain.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        plain.Listen(4);
        var pp = ((IPEndPoint)plain.LocalEndPoint!).Port;
        _ = Task.Run(() =>
        {
            try
            {
                using var c = plain.Accept();
                c.Send("220 plain text\r\n"u8.ToArray());
                c.Shutdown(SocketShutdown.Both);
            }
            catch (SocketException) { }
            catch (ObjectDisposedException) { }
        });
        var notTls = Box.Run(Check, "-H", "127.0.0.1", "-p", pp.ToString(CultureInfo.InvariantCulture), "-t", "3");
        notTls.Exit.Should().Be(2, notTls.ToString());
        notTls.Stdout.Should().StartWith($" CRITICAL: no TLS handshake possible: TLS handshake with 127.0.0.1:{pp}: ");
        notTls.Lines.Should().HaveCount(1);

        using var silent = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        silent.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        silent.Listen(4);
        var sp = ((IPEndPoint)silent.LocalEndPoint!).Port;
        var timedOut = Box.Run(Check, "-H", "127.0.0.1", "-p", sp.ToString(CultureInfo.InvariantCulture), "-t", "0.5");
        (timedOut.Exit, timedOut.Stdout).Should().Be((2, $" CRITICAL: no TLS handshake possible: TLS handshake with 127.0.0.1:{sp}: timed out after 0.5 seconds\n"));
    }

    [Theory]
    [InlineData("", "give -H HOST")]
    [InlineData("-H localhost --reject 1.3", "--reject takes versions from 1.0, 1.1, 1.2, got '1.3'")]
    [InlineData("-H localhost --reject ,", "--reject needs at least one version")]
    [InlineData("-H localhost -p x", "-p takes a whole number")]
    [InlineData("-H localhost --ca-file x", "--ca-file")]
    public void Bad_input_is_UNKNOWN_with_one_line(string args, string fragment)
    {
        var r = Box.Run(Check, args.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        r.Exit.Should().Be(3, r.ToString());
        r.Lines.Should().HaveCount(1, r.ToString());
        r.Stdout.Should().StartWith($"UNKNOWN: {Check}: ").And.Contain(fragment);
    }

    [Fact]
    public void Works_as_the_inner_command_of_delay_checker()
    {
        var peer = Serve(SslProtocols.Tls12);
        string[] args = ["-c", "2", "--", Check, "-H", "127.0.0.1", "-p", peer.P, "--reject", "1.2"];
        var first = Box.Run("delay-checker", args);
        (first.Exit, first.Stdout).Should().Be((0, $"DelayWarn(1/2):  CRITICAL: 127.0.0.1:{peer.Port} still accepts TLS 1.2 (should refuse TLS 1.2)\n"));
        var second = Box.Run("delay-checker", args);
        (second.Exit, second.Stdout).Should().Be((2, $"DelayNG(2/2):  CRITICAL: 127.0.0.1:{peer.Port} still accepts TLS 1.2 (should refuse TLS 1.2)\n"));
    }

    private static int FreePort()
    {
        using var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        s.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)s.LocalEndPoint!).Port;
    }

    private static void WaitForPort(int port)
    {
        var until = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < until)
        {
            try
            {
                using var c = new TcpClient();
                c.Connect(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException)
            {
                Thread.Sleep(50);
            }
        }
        throw new TimeoutException($"openssl s_server did not listen on {port}");
    }
}
