using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;
using MetaCheck.Tests.Support;

namespace MetaCheck.Tests;

/// <summary>
/// The network checks (check-tcp, the TLS checks, check-myip) with the host-wide perfdata switch under the
/// real Icinga 2 and Nagios 4, against peers on loopback: what each daemon kept as performance data has
/// the expected labels, values and units.
/// </summary>
public sealed class PerfdataNetworkDaemonTests : TlsTestBed
{
    private const string Seconds = "s";

    [Fact]
    public void Both_daemons_keep_each_checks_values_labels_and_units()
    {
        // A listening socket nobody accepts from: the kernel completes the connections check-tcp and check-myip make.
        using var tcp = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        tcp.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        tcp.Listen(64);
        var tcpPort = ((IPEndPoint)tcp.LocalEndPoint!).Port.ToString(CultureInfo.InvariantCulture);
        var now = DateTimeOffset.UtcNow;
        var cert = Ca.Issue(now.AddDays(-1), now.AddDays(90).AddHours(6));
        var tls = Serve(cert, SslProtocols.Tls13);
        var certFile = Box.PathOf("site.pem");
        File.WriteAllText(certFile, cert.ExportCertificatePem() + "\n");

        var seen = PerfdataDaemons.Run(Box.Dir, [
            new("tcp", "check-tcp", "-H", "127.0.0.1", "-p", tcpPort, "-w", "5", "-c", "~:10", "-t", "20"),
            new("ssl-validate", "check-ssl-validate", "-H", "127.0.0.1", "-p", tls.P, "--ca-file", CaFile, "-w", "100:"),
            new("crt-expiration", "check-crt-expiration", "-f", certFile, "-c", "@0:30"),
            new("dos-tls12", "check-dos-tls12", "-H", "127.0.0.1", "-p", tls.P, "--reject", "1.2"),
            new("myip", "check-myip", "--expect", "127.0.0.0/8", "127.0.0.1", tcpPort),
        ]);

        // ryuichi1208's checks start their line with a space (no check name); Icinga 2 keeps the output trimmed.
        foreach (var (daemon, kept) in new[] { ("Icinga 2", seen.Icinga), ("Nagios 4", seen.Nagios) })
        {
            var tcpKept = kept["tcp"];
            tcpKept.State.Should().Be(0, daemon);
            tcpKept.Output.Should().MatchRegex($@"^TCP OK: \d+\.\d{{3}} seconds response time on 127\.0\.0\.1 port {tcpPort}$", daemon);
            tcpKept.Values.Should().ContainSingle(daemon).Which.Should().Match<PerfItem>(v =>
                v.Label == "time" && v.Unit == Seconds && v.Warn == "~:5" && v.Crit == "~:10" && v.Min == "0" && v.Max == "20"
                && v.Value >= 0 && v.Value < 20, daemon);

            var validate = kept["ssl-validate"];
            (validate.State, validate.Output.TrimStart()).Should().Be((1,
                $"WARNING: 127.0.0.1:{tls.Port}: certificate valid until {OpensslDate(cert.NotAfter.ToUniversalTime())} (90 days left, outside 100:)"), daemon);
            validate.Values.Should().HaveCount(2, daemon);
            validate.Values[0].Should().Be(new PerfItem("days_left", 90, "", "100:", "14:", "", ""), daemon);
            validate.Values[1].Should().Match<PerfItem>(v =>
                v.Label == "time" && v.Unit == Seconds && v.Warn == "" && v.Crit == "" && v.Min == "0" && v.Max == "10" && v.Value > 0 && v.Value < 10, daemon);

            var crt = kept["crt-expiration"];
            (crt.State, crt.Output).Should().Be((0, $"OK: Expiration date: '{OpensslDate(cert.NotAfter.ToUniversalTime())}'. 90 days left"), daemon);
            crt.Values.Should().Equal([new PerfItem("days_left", 90, "", "7:", "@0:30", "", "")], daemon);

            var dos = kept["dos-tls12"];
            (dos.State, dos.Output.TrimStart()).Should().Be((0, $"OK: 127.0.0.1:{tls.Port} refuses TLS 1.2 (negotiates TLS 1.3 by default)"), daemon);
            dos.Values.Should().HaveCount(2, daemon);
            dos.Values[0].Should().Be(new PerfItem("accepted", 0, "", "", "", "0", "1"), daemon);
            dos.Values[1].Should().Match<PerfItem>(v => v.Label == "time" && v.Unit == Seconds && v.Min == "0" && v.Max == "10" && v.Value > 0, daemon);

            var myip = kept["myip"];
            (myip.State, myip.Output).Should().Be((0, $"OK: source address 127.0.0.1 towards 127.0.0.1:{tcpPort} is in 127.0.0.0/8"), daemon);
            myip.Values.Should().ContainSingle(daemon).Which.Should().Match<PerfItem>(v =>
                v.Label == "time" && v.Unit == Seconds && v.Min == "0" && v.Max == "10" && v.Value >= 0 && v.Value < 10, daemon);
        }
    }
}
