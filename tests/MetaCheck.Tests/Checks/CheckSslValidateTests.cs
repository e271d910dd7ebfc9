using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using MetaCheck.Checks.CheckSslValidate;
using MetaCheck.Checks.Framework;
using MetaCheck.Core;
using MetaCheck.Tests.Support;

namespace MetaCheck.Tests.Checks;

/// <summary>check-ssl-validate against TLS servers on loopback with certificates made by the test.</summary>
public sealed class CheckSslValidateTests : TlsTestBed
{
    private static DateTimeOffset Now => DateTimeOffset.UtcNow;

    private CmdResult Validate(params string[] args) => Box.Run("check-ssl-validate", args);

    [Theory]
    [InlineData(40, Status.Ok)]
    [InlineData(30, Status.Ok)]
    [InlineData(29, Status.Warning)]
    [InlineData(14, Status.Warning)]
    [InlineData(13, Status.Critical)]
    public void Days_left_are_graded_strictly_less_than_critical_first(int days, Status status)
    {
        var result = CheckSslValidate.Evaluate("h:443", DateTime.UnixEpoch, -days * 86400L - 3600, ThresholdRange.Below(30), ThresholdRange.Below(14));
        (result.Status, result.Text).Should().Be((status, $" {StatusNames.Word(status)}: h:443: certificate valid until Jan  1 00:00:00 1970 GMT ({days} days left)"));
        result.Perfdata.Should().Equal(new PerfValue("days_left", days, "", ThresholdRange.Below(30), ThresholdRange.Below(14)));
    }

    [Theory]
    [InlineData("60:", "30:", 40, Status.Warning, "(40 days left, outside 60:)")]
    [InlineData("60:", "@0:45", 40, Status.Critical, "(40 days left, within 0:45)")]
    [InlineData("30:", "~:398", 400, Status.Critical, "(400 days left, outside ~:398)")]
    [InlineData("10:20", "5:", 20, Status.Ok, "(20 days left)")]
    [InlineData("10:20", "5:", 21, Status.Warning, "(21 days left, outside 10:20)")]
    public void Ranges_alert_as_the_guidelines_say_and_the_message_names_the_range(string w, string c, int days, Status status, string end)
    {
        var warning = Ranges.Parse(w);
        var critical = Ranges.Parse(c);
        var result = CheckSslValidate.Evaluate("h:443", DateTime.UnixEpoch, -days * 86400L - 3600, warning, critical);
        (result.Status, result.Text).Should().Be((status, $" {StatusNames.Word(status)}: h:443: certificate valid until Jan  1 00:00:00 1970 GMT {end}"));
    }

    [Fact]
    public void Perfdata_mode_gives_days_left_with_the_applied_thresholds_and_the_handshake_time()
    {
        var cert = Ca.Issue(Now.AddDays(-1), Now.AddDays(90).AddHours(6));
        var peer = Serve(cert);
        var date = OpensslDate(cert.NotAfter.ToUniversalTime());
        var r = Validate("-H", "localhost", "-p", peer.P, "--ca-file", CaFile, "-w", "100:", "--perfdata");
        r.Exit.Should().Be(1, r.ToString());
        r.Stdout.Should().MatchRegex($@"^ WARNING: localhost:{peer.Port}: certificate valid until {date} \(90 days left, outside 100:\) \| days_left=90;100:;14: time=\d+(\.\d+)?s;;;0;10
$");

        Box.Env["METACHECK_PERFDATA"] = "1";
        var expired = Serve(Ca.Issue(Now.AddDays(-100), Now.AddDays(-2)));
        var e = Validate("-H", "localhost", "-p", expired.P, "--ca-file", CaFile, "-t", "5");
        e.Exit.Should().Be(2, e.ToString());
        e.Stdout.Should().MatchRegex($@"^ CRITICAL: localhost:{expired.Port}: the certificate expired on .* GMT \| days_left=-\d+;30:;14: time=\d+(\.\d+)?s;;;0;5
$",
            "an expired certificate's days are measured too");
        using var closed = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        closed.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        Validate("-H", "127.0.0.1", "-p", ((IPEndPoint)closed.LocalEndPoint!).Port.ToString(CultureInfo.InvariantCulture))
            .Stdout.Should().NotContain("|", "nothing was measured");
    }

    [Fact]
    public void Verbose_names_the_connection_phases_and_the_certificate()
    {
        var cert = Ca.Issue(Now.AddDays(-1), Now.AddDays(90).AddHours(6));
        var peer = Serve(cert);
        var r = Validate("-H", "localhost", "-p", peer.P, "--ca-file", CaFile, "-v");
        r.Exit.Should().Be(0, r.ToString());
        r.Lines.Should().HaveCount(3, r.ToString());
        r.Lines[0].Should().EndWith("(90 days left)");
        r.Lines[1].Should().MatchRegex($@"^connected to localhost:{peer.Port} \(127\.0\.0\.1\) in \d+(\.\d+)? s \(name lookup \d+(\.\d+)? s\), TLS 1\.[23] handshake in \d+(\.\d+)? s$");
        r.Lines[2].Should().Be($"certificate CN=localhost, issued by CN=MetaCheck Test CA, valid from {OpensslDate(cert.NotBefore.ToUniversalTime())} until {OpensslDate(cert.NotAfter.ToUniversalTime())}");
    }

    [Theory]
    [InlineData("-w", "10:5")]
    [InlineData("-c", "@")]
    [InlineData("-w", "36501")]
    public void Fix_a_bad_threshold_is_a_usage_error_naming_both_forms(string option, string bad)
    {
        var r = Validate("-H", "localhost", option, bad);
        (r.Exit, r.Stdout).Should().Be((3, $"UNKNOWN: check-ssl-validate: {option} takes a whole number from 0 to 36500 or a range (10:, ~:10, 10:20, @10:20), " +
            $"got '{bad}' (see check-ssl-validate --help)\n"));
    }

    [Fact]
    public void A_trusted_certificate_is_OK_by_name_and_by_IP_with_ca_file()
    {
        var cert = Ca.Issue(Now.AddDays(-1), Now.AddDays(90).AddHours(6));
        var peer = Serve(cert);
        var byName = Validate("-H", "localhost", "-p", peer.P, "--ca-file", CaFile);
        (byName.Exit, byName.Stdout).Should().Be((0, $" OK: localhost:{peer.Port}: certificate valid until {OpensslDate(cert.NotAfter.ToUniversalTime())} (90 days left)\n"), byName.ToString());
        var byIp = Validate("-H", "127.0.0.1", "-p", peer.P, "--ca-file", CaFile);
        (byIp.Exit, byIp.Stdout).Should().Be((0, $" OK: 127.0.0.1:{peer.Port}: certificate valid until {OpensslDate(cert.NotAfter.ToUniversalTime())} (90 days left)\n"));
        peer.HandshakesAtLeast(2).Should().Be(2);
    }

    [Fact]
    public void The_system_trust_store_is_used_without_ca_file()
    {
        var cert = Ca.Issue(Now.AddDays(-1), Now.AddDays(90).AddHours(6));
        var peer = Serve(cert);
        var untrusted = Validate("-H", "localhost", "-p", peer.P);
        (untrusted.Exit, untrusted.Stdout).Should().Be((2, $" CRITICAL: localhost:{peer.Port}: the issuer is unknown (incomplete chain or untrusted CA)\n"));

        Directory.CreateDirectory(Box.PathOf("no-certs"));
        Box.Env["SSL_CERT_FILE"] = CaFile;
        Box.Env["SSL_CERT_DIR"] = Box.PathOf("no-certs");
        var trusted = Validate("-H", "localhost", "-p", peer.P);
        (trusted.Exit, trusted.Stdout).Should().Be((0, $" OK: localhost:{peer.Port}: certificate valid until {OpensslDate(cert.NotAfter.ToUniversalTime())} (90 days left)\n"));
    }

    [Fact]
    public void Days_left_thresholds_give_WARNING_and_CRITICAL()
    {
        var cert = Ca.Issue(Now.AddDays(-1), Now.AddDays(20).AddHours(6));
        var peer = Serve(cert);
        var w = Validate("-H", "localhost", "-p", peer.P, "--ca-file", CaFile);
        (w.Exit, w.Stdout).Should().Be((1, $" WARNING: localhost:{peer.Port}: certificate valid until {OpensslDate(cert.NotAfter.ToUniversalTime())} (20 days left)\n"));
        var c = Validate("-H", "localhost", "-p", peer.P, "--ca-file", CaFile, "-w", "60", "-c", "21");
        (c.Exit, c.Stdout).Should().Be((2, $" CRITICAL: localhost:{peer.Port}: certificate valid until {OpensslDate(cert.NotAfter.ToUniversalTime())} (20 days left)\n"));
        var ok = Validate("-H", "localhost", "-p", peer.P, "--ca-file", CaFile, "-w", "20", "-c", "5");
        ok.Exit.Should().Be(0, ok.ToString());
    }

    [Fact]
    public void An_expired_certificate_is_CRITICAL_with_its_date()
    {
        var cert = Ca.Issue(Now.AddDays(-100), Now.AddDays(-2));
        var peer = Serve(cert);
        var r = Validate("-H", "localhost", "-p", peer.P, "--ca-file", CaFile);
        (r.Exit, r.Stdout).Should().Be((2, $" CRITICAL: localhost:{peer.Port}: the certificate expired on {OpensslDate(cert.NotAfter.ToUniversalTime())}\n"));
    }

    [Fact]
    public void A_certificate_not_yet_valid_is_CRITICAL()
    {
        var cert = Ca.Issue(Now.AddDays(2), Now.AddDays(100));
        var peer = Serve(cert);
        var r = Validate("-H", "localhost", "-p", peer.P, "--ca-file", CaFile);
        var nb = cert.NotBefore.ToUniversalTime();
        var text = nb.ToString("MMM", CultureInfo.InvariantCulture) + " " + nb.Day.ToString(CultureInfo.InvariantCulture).PadLeft(2) + " " +
                   nb.ToString("HH:mm:ss yyyy", CultureInfo.InvariantCulture) + " GMT";
        (r.Exit, r.Stdout).Should().Be((2, $" CRITICAL: localhost:{peer.Port}: the certificate is not valid before {text}\n"));
    }

    [Fact]
    public void A_wrong_host_name_is_CRITICAL_and_sni_selects_the_name_to_verify()
    {
        var cert = Ca.Issue(Now.AddDays(-1), Now.AddDays(90).AddHours(6), dnsName: "www.example.test");
        var peer = Serve(cert);
        var r = Validate("-H", "localhost", "-p", peer.P, "--ca-file", CaFile);
        (r.Exit, r.Stdout).Should().Be((2, $" CRITICAL: localhost:{peer.Port}: the certificate is not valid for 'localhost'\n"));
        var sni = Validate("-H", "localhost", "-p", peer.P, "--ca-file", CaFile, "--sni", "www.example.test");
        (sni.Exit, sni.Stdout).Should().Be((0, $" OK: localhost:{peer.Port}: certificate valid until {OpensslDate(cert.NotAfter.ToUniversalTime())} (90 days left)\n"));
    }

    [Fact]
    public void A_self_signed_certificate_is_CRITICAL()
    {
        var cert = TestCa.SelfSigned(Now.AddDays(-1), Now.AddDays(90));
        var peer = Serve(cert);
        var r = Validate("-H", "localhost", "-p", peer.P, "--ca-file", CaFile);
        r.Exit.Should().Be(2, r.ToString());
        r.Stdout.Should().BeOneOf(
            $" CRITICAL: localhost:{peer.Port}: the certificate is self-signed and not trusted\n",
            $" CRITICAL: localhost:{peer.Port}: the issuer is unknown (incomplete chain or untrusted CA)\n");
    }

    [Fact]
    public void Several_problems_are_all_named()
    {
        var cert = Ca.Issue(Now.AddDays(-100), Now.AddDays(-2), dnsName: "www.example.test");
        var peer = Serve(cert);
        var r = Validate("-H", "localhost", "-p", peer.P, "--ca-file", CaFile);
        (r.Exit, r.Stdout).Should().Be((2,
            $" CRITICAL: localhost:{peer.Port}: the certificate expired on {OpensslDate(cert.NotAfter.ToUniversalTime())}; the certificate is not valid for 'localhost'\n"));
    }

    [Fact]
    public void TLS_1_2_only_and_1_3_only_servers_are_both_validated()
    {
        var cert = Ca.Issue(Now.AddDays(-1), Now.AddDays(90).AddHours(6));
        foreach (var protocol in new[] { SslProtocols.Tls12, SslProtocols.Tls13 })
        {
            var peer = Serve(X509CertificateLoader.LoadPkcs12(cert.Export(X509ContentType.Pfx), null), protocol);
            var r = Validate("-H", "127.0.0.1", "-p", peer.P, "--ca-file", CaFile);
            (r.Exit, r.Stdout).Should().Be((0, $" OK: 127.0.0.1:{peer.Port}: certificate valid until {OpensslDate(cert.NotAfter.ToUniversalTime())} (90 days left)\n"), protocol.ToString());
        }
        cert.Dispose();
    }

    [Fact]
    public void A_refused_connection_a_plain_text_port_and_a_silent_port_are_CRITICAL()
    {
        using var closed = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        closed.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var closedPort = ((IPEndPoint)closed.LocalEndPoint!).Port;
        var refused = Validate("-H", "127.0.0.1", "-p", closedPort.ToString(CultureInfo.InvariantCulture));
        (refused.Exit, refused.Stdout).Should().Be((2, $" CRITICAL: connect to 127.0.0.1:{closedPort}: connection refused\n"));

        using var silent = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        silent.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        silent.Listen(4);
        var silentPort = ((IPEndPoint)silent.LocalEndPoint!).Port;
        var timedOut = Validate("-H", "127.0.0.1", "-p", silentPort.ToString(CultureInfo.InvariantCulture), "-t", "0.5");
        (timedOut.Exit, timedOut.Stdout).Should().Be((2, $" CRITICAL: TLS handshake with 127.0.0.1:{silentPort}: timed out after 0.5 seconds\n"));
        timedOut.Elapsed.Should().BeLessThan(Patience.Bound, "the peer never answers");

        var unresolvable = Validate("-H", "no-such-host.invalid", "-t", "5");
        unresolvable.Exit.Should().Be(2, unresolvable.ToString());
        unresolvable.Stdout.Should().StartWith(" CRITICAL: cannot resolve host 'no-such-host.invalid': ");
    }

    [Theory]
    [InlineData("", "give -H HOST")]
    [InlineData("-H localhost -p 0", "-p takes a whole number from 1 to 65535, got '0'")]
    [InlineData("-H localhost -w x", "-w takes a whole number")]
    [InlineData("-H localhost -t 0", "-t must be more than 0 seconds")]
    [InlineData("-H localhost -t soon", "-t takes seconds")]
    [InlineData("-H localhost --bogus", "--bogus")]
    [InlineData("-H localhost --ca-file /nonexistent/ca.pem", "cannot read /nonexistent/ca.pem: no such file")]
    public void Bad_input_is_UNKNOWN_with_one_line(string args, string fragment)
    {
        var r = Validate(args.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        r.Exit.Should().Be(3, r.ToString());
        r.Lines.Should().HaveCount(1, r.ToString());
        r.Stdout.Should().StartWith("UNKNOWN: check-ssl-validate: ").And.Contain(fragment);
    }

    [Fact]
    public void A_ca_file_without_certificates_is_UNKNOWN()
    {
        var empty = Box.PathOf("empty.pem");
        File.WriteAllText(empty, "nothing here\n");
        var r = Validate("-H", "localhost", "--ca-file", empty);
        (r.Exit, r.Stdout).Should().Be((3, $"UNKNOWN: check-ssl-validate: {empty} holds no PEM certificate\n"));
    }

    [Fact]
    public void Works_as_the_inner_command_of_delay_checker()
    {
        var cert = Ca.Issue(Now.AddDays(-100), Now.AddDays(-2));
        var peer = Serve(cert);
        string[] args = ["-c", "2", "--", "check-ssl-validate", "-H", "localhost", "-p", peer.P, "--ca-file", CaFile];
        var first = Box.Run("delay-checker", args);
        (first.Exit, first.Stdout).Should().Be((0, $"DelayWarn(1/2):  CRITICAL: localhost:{peer.Port}: the certificate expired on {OpensslDate(cert.NotAfter.ToUniversalTime())}\n"));
        var second = Box.Run("delay-checker", args);
        (second.Exit, second.Stdout).Should().Be((2, $"DelayNG(2/2):  CRITICAL: localhost:{peer.Port}: the certificate expired on {OpensslDate(cert.NotAfter.ToUniversalTime())}\n"));
    }
}
