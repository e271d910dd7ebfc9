using MetaCheck.Tests.Support;
using Microsoft.Data.Sqlite;

namespace MetaCheck.Tests;

/// <summary>
/// A package upgrade in the middle of an outage: a store the previous release (99f2aac) wrote, with an
/// open alert, streaks, a --within window, an interval cache and a plugin sample
/// (Fixtures/upgrade-99f2aac, made by its make.sh), upgraded by the installed binary's first run.
/// </summary>
public sealed class UpgradeTests : IDisposable
{
    private readonly Sandbox _box = new();
    private static string Fixture => Fixtures.Root("upgrade-99f2aac");

    public UpgradeTests()
    {
        Directory.CreateDirectory(_box.StateDir);
        File.Copy(Path.Combine(Fixture, "state", "metacheck.db"), _box.DatabasePath);
        MoveToNow();
    }

    public void Dispose() => _box.Dispose();

    /// <summary>
    /// The fixture's runs happened when it was made: moved to just now, so the cached result is as fresh
    /// as it was when the previous release reported the expected results, and no check is old enough to
    /// be forgotten; the newest time becomes now (a cache written after its run's start, moved into the
    /// future, would not be replayed). Nothing else is touched: the schema and rows stay as that release wrote them.
    /// </summary>
    private void MoveToNow()
    {
        using var db = new SqliteConnection($"Data Source={_box.DatabasePath};Pooling=False");
        db.Open();
        using var shift = db.CreateCommand();
        shift.CommandText = """
            CREATE TEMP TABLE d AS SELECT (CAST(strftime('%s','now') AS INTEGER) * 1000 - max(max(last_run_at, coalesce(cached_at, 0)))) AS ms FROM checks;
            UPDATE checks SET last_run_at = last_run_at + (SELECT ms FROM d), cached_at = cached_at + (SELECT ms FROM d);
            UPDATE runs SET started_at = started_at + (SELECT ms FROM d);
            UPDATE plugin_values SET updated_at = updated_at + (SELECT ms FROM d);
            """;
        shift.ExecuteNonQuery();
    }

    private static IEnumerable<(string Name, string Command, string Stdout, int Exit)> Expected() =>
        Directory.GetFiles(Path.Combine(Fixture, "expected"), "*.command").Order().Select(file =>
        {
            var stem = file[..^".command".Length];
            return (Path.GetFileName(stem), File.ReadAllText(file).TrimEnd('\n'), File.ReadAllText(stem + ".stdout"),
                int.Parse(File.ReadAllText(stem + ".exit").Trim()));
        });

    [Fact]
    public void The_first_runs_after_an_upgrade_report_what_the_previous_release_would_have()
    {
        var expected = Expected().ToList();
        expected.Select(e => e.Name).Should().BeEquivalentTo(["cached", "outage", "warming", "window"]);
        foreach (var (name, command, stdout, exit) in expected)
        {
            var r = _box.Shell(command);
            (r.Stdout, r.Exit).Should().Be((stdout, exit), $"the {name} check after the upgrade ({command}); {r.Stderr}");
        }
        // The next runs go on from there: the open alert stays open, the streak keeps counting.
        _box.Shell(expected.Single(e => e.Name == "outage").Command).Stdout.Should().Be("DelayNG(6/2): CRITICAL: db down\n");
    }

    [Fact]
    public void A_plugin_keeps_its_previous_sample_across_the_upgrade()
    {
        var r = _box.Run("check-ddos-udp", "-w", "1000000");
        r.Exit.Should().Be(0, r.ToString());
        r.Stdout.Should().NotContain("no previous sample", "the previous release stored one");
    }

    [Fact]
    public void A_mute_set_on_a_check_of_the_previous_release_holds_through_its_first_run()
    {
        var mute = _box.Run("metacheck", "mute", "--for", "1h", "--reason", "upgrade", "db down");
        mute.Exit.Should().Be(0, mute.ToString());
        var outage = Expected().Single(e => e.Name == "outage");
        foreach (var next in new[] { "DelayNG(5/2): CRITICAL: db down\n", "DelayNG(6/2): CRITICAL: db down\n" })
        {
            var r = _box.Shell(outage.Command);
            // A mute is a downtime: the alert open before the upgrade stays open, with its status.
            r.Exit.Should().Be(2, r.ToString());
            r.Stdout.Should().StartWith("CRITICAL: muted until ").And.Contain("(upgrade); the open alert is held").And.EndWith(next);
        }
        _box.Run("metacheck", "status").Stdout.Should().Contain("upgrade");
    }
}
