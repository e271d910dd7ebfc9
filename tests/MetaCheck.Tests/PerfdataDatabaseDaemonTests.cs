using System.Diagnostics;
using MetaCheck.Tests.Support;

namespace MetaCheck.Tests;

/// <summary>
/// check-longtransaction-cnt and check-mysql-backup against the real MariaDB, and check-hydra-pos against a
/// stub of hydra's stats server, with the host-wide perfdata switch under the real Icinga 2 and Nagios 4:
/// what each daemon kept as performance data has the expected labels, values and units.
/// </summary>
[Collection(MariaDbCollection.Name)]
public sealed class PerfdataDatabaseDaemonTests(MariaDb db) : IDisposable
{
    private const string Log = "/var/log/app.log";
    private readonly Sandbox _box = new();
    private readonly StubHttpServer _hydra = new(Position(1000));

    public void Dispose()
    {
        _hydra.Dispose();
        _box.Dispose();
    }

    private static StubReply Position(long position) => StubReply.Json("{\"files\":{\"" + Log + "\":{\"tag\":\"app\",\"position\":" + position + ",\"error\":\"\"}}}");

    private static IEnumerable<(string Daemon, IReadOnlyDictionary<string, PerfdataDaemons.Kept> Kept)> Each(PerfdataDaemons.Seen seen) =>
        [("Icinga 2", seen.Icinga), ("Nagios 4", seen.Nagios)];

    /// <summary>The output without the leading space of the checkers' lines with no name: Icinga 2 trims it.</summary>
    private static string Text(PerfdataDaemons.Kept kept) => kept.Output.TrimStart();

    [Fact]
    public void Both_daemons_keep_each_checks_values_labels_and_units()
    {
        var cnf = OptionFileForTheDaemons();
        var backups = Directory.CreateDirectory(_box.PathOf("backups")).FullName;
        var dump = Path.Combine(backups, "all.sql");
        db.Dump(dump);
        File.SetLastWriteTimeUtc(dump, DateTime.UtcNow - TimeSpan.FromHours(3));
        var size = new FileInfo(dump).Length;
        db.Backup(_box.PathOf("nightly"), "nightly");
        var hydra = Hydra();
        using var open = db.OpenTransaction();
        Thread.Sleep(1100);

        var seen = PerfdataDaemons.Run(_box.Dir, [
            new("longtrx", "check-longtransaction-cnt", "--defaults-file", cnf, "--warn-count", "1", "--crit-count", "5"),
            new("longtrx-range", "check-longtransaction-cnt", "--defaults-file", cnf, "--warn-count", "@0:0", "--crit-count", "~:0"),
            new("backup", "check-mysql-backup", "--dir", backups, "--pattern", "*.sql"),
            new("backup-range", "check-mysql-backup", "--dir", backups, "-w", "~:3600", "--min-size", "@0:100"),
            new("backup-history", "check-mysql-backup", "--defaults-file", cnf, "--history-table", "mysql.mariadb_backup_history", "-t", "20"),
            hydra,
        ]);

        foreach (var (daemon, kept) in Each(seen))
        {
            var longtrx = kept["longtrx"];
            (longtrx.State, Text(longtrx)).Should().Be((1, "WARNING: [WARN] Number of long transactions exceeds threshold:1"), daemon);
            longtrx.Values.Should().HaveCount(3, daemon);
            longtrx.Values[0].Should().Be(new PerfItem("long_transactions", 1, "", "@1:", "@5:", "0", ""), daemon);
            longtrx.Values[1].Should().Be(new PerfItem("transactions", 1, "", "", "", "0", ""), daemon);
            longtrx.Values[2].Should().Match<PerfItem>(v => v.Label == "oldest" && v.Unit == "s" && v.Value >= 1 && v.Min == "0" && v.Warn == "", daemon);
            var longRange = kept["longtrx-range"];
            (longRange.State, Text(longRange)).Should().Be((2, "CRITICAL: [CRIT] Number of long transactions 1 is outside ~:0"), daemon);
            longRange.Values[0].Should().Be(new PerfItem("long_transactions", 1, "", "@0:0", "~:0", "0", ""), daemon);

            var backup = kept["backup"];
            (backup.State, Text(backup)).Should().Be((0, $"OK: newest backup {dump} is 3h0m old, {size} bytes"), daemon);
            backup.Values.Should().HaveCount(2, daemon);
            backup.Values[0].Should().Match<PerfItem>(v => v.Label == "age" && v.Unit == "s" && v.Value >= 10800 && v.Value < 11400
                && v.Warn == "~:93600" && v.Crit == "~:180000" && v.Min == "0", daemon);
            backup.Values[1].Should().Be(new PerfItem("size", size, "B", "", "1:", "0", ""), daemon);
            var backupRange = kept["backup-range"];
            (backupRange.State, Text(backupRange)).Should().Match<(int, string)>(k => k.Item1 == 1
                && k.Item2.StartsWith($"WARNING: newest backup {dump} is 3h0m old (warning: ") && k.Item2.EndsWith(" s is outside ~:3600)"), daemon);
            backupRange.Values.Select(v => (v.Label, v.Unit, v.Warn, v.Crit)).Should().Equal([("age", "s", "~:3600", "~:180000"), ("size", "B", "", "@0:100")], daemon);
            var history = kept["backup-history"];
            history.State.Should().Be(0, daemon);
            Text(history).Should().StartWith("OK: newest backup 'nightly' (mysql.mariadb_backup_history, ended ", daemon);
            history.Values.Should().ContainSingle(daemon).Which.Should().Match<PerfItem>(v => v.Label == "age" && v.Unit == "s" && v.Value >= 0
                && v.Warn == "~:93600" && v.Crit == "~:180000", "a history row has an age and no size");

            var first = kept[hydra.Name];
            (first.State, first.Output).Should().Be((0, "OK: first time check"), daemon);
            first.Values.Should().Equal([new PerfItem("position", 1000, "c", "", "", "0", "")], daemon);
        }

        // A rate needs a second run: each daemon's user (nagios for Icinga, root for Nagios) kept its sample.
        _hydra.Reply = Position(5000);
        foreach (var (daemon, kept) in Each(PerfdataDaemons.Run(_box.PathOf("second"), [hydra])))
        {
            var second = kept[hydra.Name];
            (second.State, second.Output).Should().Match<(int, string)>(k => k.Item1 == 0 && k.Item2.StartsWith("OK: ") && k.Item2.EndsWith($" position-updated/sec ({Log})"), daemon);
            second.Values.Should().HaveCount(2, daemon);
            second.Values[0].Should().Match<PerfItem>(v => v.Label == "rate" && v.Unit == "" && v.Value > 0 && v.Value <= 4000
                && v.Warn == "~:1000000" && v.Crit == "1:" && v.Min == "0", daemon);
            second.Values[1].Should().Be(new PerfItem("position", 5000, "c", "", "", "0", ""), daemon);
        }
    }

    /// <summary>
    /// check-hydra-pos keeps its sample in its user's store. The daemons run without HOME (Icinga) or as
    /// root (Nagios): MACKEREL_PLUGIN_WORKDIR, as mackerel-agent would set it, gives each user a
    /// directory of its own under this test's sticky work directory, and nothing outside it is touched.
    /// </summary>
    private PerfdataDaemons.Service Hydra()
    {
        var workdir = Directory.CreateDirectory(_box.PathOf("workdir")).FullName;
        File.SetUnixFileMode(workdir, (UnixFileMode)0x3ff); // 1777, as /tmp
        return new PerfdataDaemons.Service("hydra", "/usr/bin/env", $"MACKEREL_PLUGIN_WORKDIR={workdir}", Path.Combine(Installed.BinDir, "check-hydra-pos"),
            "--file", Log, "--port", _hydra.Port.ToString(), "-w", "~:1000000");
    }

    /// <summary>The monitoring account in a client option file only the check's user can read: Icinga's nagios owns it, Nagios runs as root.</summary>
    private string OptionFileForTheDaemons()
    {
        var cnf = _box.PathOf("monitor.cnf");
        File.WriteAllText(cnf, $"[client]\nuser={MariaDb.MonitorUser}\npassword={db.MonitorPassword}\nhost=127.0.0.1\nport={db.Port}\nprotocol=TCP\n");
        File.SetUnixFileMode(cnf, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        using var chown = Process.Start("chown", [IcingaDaemon.User, cnf])!;
        chown.WaitForExit();
        chown.ExitCode.Should().Be(0, $"chown {IcingaDaemon.User} {cnf}");
        return cnf;
    }
}
