using MetaCheck.Tests.Support;

namespace MetaCheck.Tests;

/// <summary>
/// check-uptime and check-inode with the host-wide perfdata switch under the real Icinga 2 and Nagios 4:
/// what each daemon kept as performance data has the expected labels, values and units. The model for
/// the other checks' Perfdata*DaemonTests.
/// </summary>
public sealed class PerfdataKazeburoDaemonTests : IDisposable
{
    private readonly Sandbox _box = new();

    public void Dispose() => _box.Dispose();

    [Fact]
    public void Both_daemons_keep_each_checks_values_labels_and_units()
    {
        var proc = _box.PathOf("proc");
        Directory.CreateDirectory(proc);
        File.WriteAllText(Path.Combine(proc, "uptime"), "330.51 641.02\n");
        var seen = PerfdataDaemons.Run(_box.Dir, [
            new("uptime", "/usr/bin/env", $"HOST_PROC={proc}", Path.Combine(Installed.BinDir, "check-uptime"), "-w", "600", "-c", "60"),
            new("uptime-range", "/usr/bin/env", $"HOST_PROC={proc}", Path.Combine(Installed.BinDir, "check-uptime"), "-w", "@0:600", "-c", "~:86400"),
            new("inode", "check-inode", "-w", "99", "-c", "100"),
        ]);

        foreach (var (daemon, kept) in new[] { ("Icinga 2", seen.Icinga), ("Nagios 4", seen.Nagios) })
        {
            var uptime = kept["uptime"];
            (uptime.State, uptime.Output).Should().Be((1, "WARNING: uptime is less than 600 - up 0 days,  0:05"), daemon);
            uptime.Values.Should().Equal([new PerfItem("uptime", 330, "s", "600:", "60:", "0", "")], daemon);
            var range = kept["uptime-range"];
            (range.State, range.Output).Should().Be((1, "WARNING: uptime 330 s is within 0:600 - up 0 days,  0:05"), daemon);
            range.Values.Should().Equal([new PerfItem("uptime", 330, "s", "@0:600", "~:86400", "0", "")], daemon);

            var inode = kept["inode"];
            inode.State.Should().Be(0, daemon);
            inode.Output.Should().StartWith("OK: ").And.NotContain("|", daemon);
            inode.Values.Should().NotBeEmpty(daemon).And.Contain(v => v.Label == "/", daemon)
                .And.OnlyContain(v => v.Unit == "%" && v.Warn == "@99:" && v.Crit == "@100:" && v.Min == "0" && v.Max == "100"
                    && v.Value >= 0 && v.Value <= 100, daemon);
        }
    }
}
