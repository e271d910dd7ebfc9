using MetaCheck.Tests.Checks;
using MetaCheck.Tests.Support;

namespace MetaCheck.Tests;

/// <summary>
/// The host checks (check-virtmem, check-conntrack-free, check-ddos-udp, check-iptables) and the DNS checks
/// (check-dns-rr, check-resolver, against a real dnsmasq on loopback) with the host-wide perfdata switch
/// under the real Icinga 2 and Nagios 4: what each daemon kept as performance data has the expected
/// labels, values and units. Icinga runs the checks as nagios, Nagios as root: every file they read is a
/// copy in the sandbox, and check-ddos-udp keeps its sample in a store of each user's own.
/// </summary>
public sealed class PerfdataHostDaemonTests : IDisposable
{
    private static readonly string[] Zone = ["192.0.2.1 one.test", "192.0.2.31 three.test", "192.0.2.32 three.test", "192.0.2.33 three.test"];

    private readonly Sandbox _box = new();
    private readonly Dnsmasq _dns = new(Zone);

    public void Dispose()
    {
        _dns.Dispose();
        _box.Dispose();
    }

    private static string Bin(string command) => Path.Combine(Installed.BinDir, command);

    /// <summary>
    /// check-ddos-udp measures rates from its second run: one service runs it twice, on the idle host and,
    /// 1.2 s later, on the same host after the fixtures' flood, in a proc copy and a store of the user's own.
    /// </summary>
    private PerfdataDaemons.Service DdosUdp()
    {
        var idle = _box.CopyFixture("udp-idle");
        var flood = _box.CopyFixture("udp-flood");
        var work = Directory.CreateDirectory(_box.PathOf("ddos")).FullName;
        // Sticky and open to all, as /tmp: each daemon's user makes its own store and proc copy in it.
        File.SetUnixFileMode(work, (UnixFileMode)Convert.ToInt32("1777", 8));
        var script = $"""
            u=$(id -un); rm -rf "{work}/state-$u" "{work}/proc-$u"; cp -r "{idle}" "{work}/proc-$u"
            export METACHECK_STATE_DIR="{work}/state-$u" HOST_PROC="{work}/proc-$u"
            "{Bin("check-ddos-udp")}" -w 10 >/dev/null || exit 3
            cp "{flood}"/net/* "{work}/proc-$u/net/"
            sleep 1.2
            exec "{Bin("check-ddos-udp")}" -w 10 -c 100000 --noports-critical "~:3"
            """;
        // One line: neither daemon's configuration takes a line break inside a command.
        return new("ddos-udp", "/bin/sh", "-c", script.ReplaceLineEndings("; "));
    }

    /// <summary>Fake ip and lsmod (the container has no /proc/modules) printing recorded outputs.</summary>
    private string FakeTools()
    {
        var bin = Directory.CreateDirectory(_box.PathOf("host-tools")).FullName;
        foreach (var (tool, output) in new[] { ("ip", "ip-addr-container.txt"), ("lsmod", "lsmod-no-filter.txt") })
        {
            var recorded = Path.Combine(bin, output);
            File.Copy(Path.Combine(Fixtures.Root("iptables-outputs"), output), recorded);
            File.WriteAllText(Path.Combine(bin, tool), $"#!/bin/sh\nexec cat '{recorded}'\n");
            File.SetUnixFileMode(Path.Combine(bin, tool), (UnixFileMode)Convert.ToInt32("755", 8));
        }
        return bin;
    }

    [Fact]
    public void Both_daemons_keep_each_checks_values_labels_and_units()
    {
        var oldKernel = _box.CopyFixture("linux-2.6.32");
        var busy = _box.CopyFixture("conntrack-busy");
        var seen = PerfdataDaemons.Run(_box.Dir, [
            new("virtmem", "/usr/bin/env", $"HOST_PROC={oldKernel}", Bin("check-virtmem")),
            new("virtmem-range", "/usr/bin/env", $"HOST_PROC={oldKernel}", Bin("check-virtmem"), "-w", "@90:95", "-c", "inf"),
            new("conntrack", "/usr/bin/env", $"HOST_PROC={busy}", Bin("check-conntrack-free"), "-w", "1000", "-c", "100"),
            DdosUdp(),
            new("iptables", "/usr/bin/env", $"PATH={FakeTools()}:/usr/bin:/bin", Bin("check-iptables")),
            new("dns-rr", "check-dns-rr", "-w", "4", "--host", "three.test", "--server", _dns.Server),
            new("resolver", "check-resolver", "-w", "600:", "-c", "300", "--host", "one.test", "--server", _dns.Server),
        ]);

        foreach (var (daemon, kept) in new[] { ("Icinga 2", seen.Icinga), ("Nagios 4", seen.Nagios) })
        {
            const long committed = 4647200L * 1024, limit = 5024000L * 1024;
            var virtmem = kept["virtmem"];
            // The original's line starts with a space (mackerelio/checkers with no name); Icinga trims it.
            (virtmem.State, virtmem.Output.TrimStart()).Should().Be((1, "WARNING: [WARN] VirtMem Usage:92.500000 %"), daemon);
            virtmem.Values.Should().Equal([new PerfItem("usage", 92.5, "%", "~:90", "~:95", "0", ""),
                new PerfItem("committed_as", committed, "B", "", "", "0", ""), new PerfItem("commit_limit", limit, "B", "", "", "0", "")], daemon);
            var range = kept["virtmem-range"];
            (range.State, range.Output.TrimStart()).Should().Be((1, "WARNING: [WARN] VirtMem Usage:92.500000 % is within 90:95"), daemon);
            range.Values[0].Should().Be(new PerfItem("usage", 92.5, "%", "@90:95", "~:", "0", ""), daemon);

            var conntrack = kept["conntrack"];
            (conntrack.State, conntrack.Output).Should().Be((2, "CRITICAL: free nf_conntrack < 100 - free:44 max:262144 count:262100"), daemon);
            conntrack.Values.Should().Equal([new PerfItem("free", 44, "", "1000:", "100:", "", "262144"),
                new PerfItem("count", 262100, "", "", "", "0", "262144")], daemon);

            var ddos = kept["ddos-udp"];
            ddos.State.Should().Be(2, $"{daemon}: {ddos.Output}");
            ddos.Output.Should().MatchRegex(@"^CRITICAL: receive errors [\d.]+/s > 10, datagrams to closed ports [\d.]+/s is outside ~:3 - UDP in 0/s", daemon);
            ddos.Values.Select(v => (v.Label, v.Unit, v.Warn, v.Crit, v.Min)).Should().Equal([("in_datagrams", "", "", "", "0"),
                ("no_ports", "", "", "~:3", "0"), ("in_errors", "", "~:10", "~:100000", "0"), ("rcvbuf_errors", "", "", "", "0"), ("socket_drops", "", "", "", "0")], daemon);
            // The flood: 499 datagrams dropped and 40 to a closed port, over the whole seconds between the runs.
            double seconds = Math.Round(499 / ddos.Values[2].Value);
            seconds.Should().BeGreaterThanOrEqualTo(1, daemon);
            double[] rates = [0, 40 / seconds, 499 / seconds, 499 / seconds, 499 / seconds];
            for (int i = 0; i < rates.Length; i++) ddos.Values[i].Value.Should().BeApproximately(rates[i], 1e-6, $"{daemon}: {ddos.Values[i].Label}");

            var iptables = kept["iptables"];
            (iptables.State, iptables.Output).Should().Be((2, "NG: have global-ip. but iptables(iptable_filter) is disabled"), daemon);
            iptables.Values.Should().Equal([new PerfItem("global_ipv4", 1, "", "", "", "0", "")], daemon);

            var dnsRr = kept["dns-rr"];
            (dnsRr.State, dnsRr.Output).Should().Be((1, "WARNING: 3 dns-rr hosts found < 4"), daemon);
            dnsRr.Values.Should().HaveCount(2, daemon);
            dnsRr.Values[0].Should().Be(new PerfItem("records", 3, "", "4:", "2:", "0", ""), daemon);
            dnsRr.Values[1].Should().Match<PerfItem>(v => v.Label == "time" && v.Unit == "s" && v.Value >= 0 && v.Value < 60 && v.Min == "0", daemon);

            var resolver = kept["resolver"];
            resolver.State.Should().Be(1, daemon);
            resolver.Output.Should().MatchRegex(@"^WARNING: elapsed_time [0-9.e-]+ sec is outside 600: \(one\.test IN A 192\.0\.2\.1\)$", daemon);
            resolver.Values.Should().ContainSingle(daemon).Which.Should().Match<PerfItem>(v =>
                v.Label == "time" && v.Unit == "s" && v.Value < 600 && v.Warn == "600:" && v.Crit == "~:300" && v.Min == "0", daemon);
        }
    }
}
