using System.Text.Json;
using MetaCheck.Tests.Support;
using Microsoft.Data.Sqlite;

namespace MetaCheck.Tests;

/// <summary>One record per configured check, and the tools that keep the store clean (issue 12).</summary>
public sealed class StoreMaintenanceTests : IDisposable
{
    private readonly Sandbox _box = new();

    public void Dispose() => _box.Dispose();

    private static string[] Down => ["sh", "-c", "echo down; exit 2"];

    private JsonElement Status(params string[] extra) => JsonDocument.Parse(_box.Run("metacheck", ["status", "--json", .. extra]).Stdout).RootElement;

    private void Age(string sqlCondition, TimeSpan age)
    {
        using var db = new SqliteConnection($"Data Source={_box.DatabasePath};Pooling=false");
        db.Open();
        using var cmd = db.CreateCommand();
        cmd.CommandText = $"UPDATE checks SET last_run_at = last_run_at - {(long)age.TotalMilliseconds} WHERE {sqlCondition}; " +
                          $"UPDATE runs SET started_at = started_at - {(long)age.TotalMilliseconds} WHERE check_id IN (SELECT id FROM checks WHERE {sqlCondition})";
        cmd.ExecuteNonQuery();
    }

    /// <summary>Runs of a check "big" whose large outputs fill the WAL past its limit, which triggers the tidying.</summary>
    private void FillTheWal()
    {
        for (int i = 0; i < 20; i++) _box.Run("delay-checker", ["--identifier", "big", "--", "sh", "-c", "head -c 60000 /dev/zero | tr '\\0' x"]);
    }

    [Fact]
    public void Options_that_change_a_wrappers_meaning_make_a_separate_check()
    {
        for (int i = 1; i <= 2; i++)
        {
            _box.Run("delay-checker", ["-c", "3", "--", .. Down]).Stdout.Should().Be($"DelayWarn({i}/3): down\n");
            _box.Run("delay-checker", ["-c", "3", "--within", "5", "--", .. Down]).Stdout.Should().Be($"DelayWarn({i}/3 in last 5): down\n");
        }
        _box.Run("periodic-checker", ["--ranges", "00:00-24:00", "--", .. Down]);
        _box.Run("periodic-checker", ["--ranges", "00:00-23:59,23:59-24:00", "--", .. Down]);
        _box.Run("interval-checker", ["--interval", "60", "--", "date", "+%N"]);
        _box.Run("interval-checker", ["--interval", "1", "--", "date", "+%N"]);
        var checks = Status();
        checks.GetArrayLength().Should().Be(6);
        checks.EnumerateArray().Select(c => c.GetProperty("options").GetString()).Should().Contain(["-c 3", "-c 3 --within 5", "--interval 60", "--interval 1"]);
        checks[0].GetProperty("argv").EnumerateArray().Select(a => a.GetString()).Should().Equal("date", "+%N");
    }

    [Fact]
    public void Awkward_arguments_come_back_from_the_store_as_they_were_given()
    {
        // The store keeps argv as JSON; quotes, backslashes, control characters and non-ASCII must survive it.
        string[] awkward = ["sh", "-c", "exit 0", "say \"hi\"", @"C:\dir\", "tab\there", "line\nbreak", "\u0001", "</script>", "日本語 ✓", ""];
        _box.Run("delay-checker", ["-c", "3", "--", .. awkward]).Exit.Should().Be(0);
        Status()[0].GetProperty("argv").EnumerateArray().Select(a => a.GetString()).Should().Equal(awkward);
    }

    [Fact]
    public void History_finds_a_check_by_its_identifier()
    {
        _box.Run("delay-checker", ["-c", "3", "--identifier", "db1-port", "--", .. Down]);
        _box.Run("delay-checker", ["-c", "3", "--identifier", "db2-port", "--", .. Down]);
        var r = _box.Run("metacheck", "history", "--json", "db1-port");
        r.Exit.Should().Be(0, r.ToString());
        var found = JsonDocument.Parse(r.Stdout).RootElement;
        found.GetArrayLength().Should().Be(1);
        found[0].GetProperty("check").GetProperty("identifier").GetString().Should().Be("db1-port");
    }

    [Fact]
    public void Reset_clears_the_streak_and_forget_drops_the_check()
    {
        _box.Run("delay-checker", ["-c", "2", "--within", "3", "--identifier", "db", "--", .. Down]);
        _box.Run("delay-checker", ["-c", "2", "--within", "3", "--identifier", "db", "--", .. Down]).Exit.Should().Be(2);
        _box.Run("delay-checker", ["-c", "9", "--identifier", "web", "--", .. Down]);

        var reset = _box.Run("metacheck", "reset", "db");
        reset.Exit.Should().Be(0, reset.ToString());
        reset.Stdout.Should().MatchRegex(@"^reset [0-9a-f]{8}: delay-checker -c 2 --within 3 --identifier db -- sh -c 'echo down; exit 2'\n" +
            @"its last run failed \(CRITICAL, still shown by the server\); its next failure will be reported OK \(DelayWarn\(1/2 in last 3\)\), " +
            @"which closes the open alert, and the alert opens again at the 2nd failure\n$", "the operator learns what the server will see next");
        _box.Run("delay-checker", ["-c", "2", "--within", "3", "--identifier", "db", "--", .. Down]).Stdout
            .Should().Be("DelayWarn(1/2 in last 3): down\n", "failures before the reset no longer count");
        _box.Run("metacheck", "history", "--json", "db").Stdout.Should().Contain("\"runs\"");
        JsonDocument.Parse(_box.Run("metacheck", "history", "--json", "db").Stdout).RootElement[0].GetProperty("runs").GetArrayLength().Should().Be(3, "its runs stay");

        var ambiguous = _box.Run("metacheck", "forget", "echo down");
        (ambiguous.Exit, ambiguous.Stdout).Should().Match<(int, string)>(t => t.Item1 == 3 && t.Item2.Contains("matches 2 checks"));
        _box.Run("metacheck", "forget", "web").Exit.Should().Be(0);
        Status().EnumerateArray().Select(c => c.GetProperty("identifier").GetString()).Should().Equal("db");
        _box.Run("delay-checker", ["-c", "9", "--identifier", "web", "--", .. Down]).Stdout.Should().Be("DelayWarn(1/9): down\n");
    }

    [Fact]
    public void Prune_and_the_automatic_cleanup_drop_checks_not_run_for_long()
    {
        _box.Run("delay-checker", ["--identifier", "old", "--", "true"]);
        _box.Run("delay-checker", ["--identifier", "new", "--", "true"]);
        Age("identifier = 'old'", TimeSpan.FromDays(40));
        var prune = _box.Run("metacheck", "prune", "--older-than", "30d");
        (prune.Exit, prune.Stdout).Should().Be((0, $"dropped 1 check not run for 30 days from {_box.StateDir}\n"));
        Status().EnumerateArray().Select(c => c.GetProperty("identifier").GetString()).Should().Equal("new");
        _box.Run("metacheck", "prune").Exit.Should().Be(3, "--older-than is required");

        // Automatic: checks not run for $METACHECK_FORGET_AFTER (default 90 days) go when the WAL is next tidied.
        for (int i = 0; i < 20; i++) _box.Run("delay-checker", ["--identifier", $"variant{i}", "--", "true"]);
        Age("identifier LIKE 'variant%'", TimeSpan.FromDays(91));
        FillTheWal();
        Status().EnumerateArray().Select(c => c.GetProperty("identifier").GetString()).Should().BeEquivalentTo(["big", "new"]);
    }

    [Fact]
    public void Forget_drops_the_runs_too_so_a_within_window_starts_over()
    {
        string[] check = ["-c", "3", "--within", "5", "--", .. Down];
        _box.Run("delay-checker", check);
        _box.Run("delay-checker", check).Stdout.Should().Be("DelayWarn(2/3 in last 5): down\n");
        _box.Run("metacheck", "forget", "echo down").Exit.Should().Be(0);

        _box.Run("delay-checker", check);
        _box.Run("delay-checker", check).Stdout.Should().Be("DelayWarn(2/3 in last 5): down\n", "the forgotten runs no longer count");
        JsonDocument.Parse(_box.Run("metacheck", "history", "--json", "echo down").Stdout).RootElement[0].GetProperty("runs").GetArrayLength()
            .Should().Be(2);
    }

    [Fact]
    public void Reset_drops_a_cached_failure_so_the_next_run_runs_the_check()
    {
        var flag = _box.PathOf("fixed");
        var count = _box.PathOf("count");
        string[] check = ["--interval", "600", "--cache-failures", "--", "sh", "-c",
            $"echo run >> {count}; test -e {flag} && echo up || {{ echo down; exit 2; }}"];
        _box.Run("interval-checker", check).Exit.Should().Be(2);
        File.WriteAllText(flag, "");
        _box.Run("interval-checker", check).Exit.Should().Be(2, "the failure is replayed for 600 s");
        File.ReadAllLines(count).Should().HaveCount(1);

        _box.Run("metacheck", "reset", "test -e").Exit.Should().Be(0);
        var after = _box.Run("interval-checker", check);
        (after.Exit, after.Stdout).Should().Be((0, "up\n"), "after a fix and a reset the check runs again");
        File.ReadAllLines(count).Should().HaveCount(2);
    }

    [Fact]
    public void The_automatic_cleanup_forgets_only_checks_idle_longer_than_its_limit()
    {
        foreach (var name in new[] { "idle-91d", "idle-89d", "idle-3h" }) _box.Run("delay-checker", ["--identifier", name, "--", "true"]);
        Age("identifier = 'idle-91d'", TimeSpan.FromDays(91));
        Age("identifier = 'idle-89d'", TimeSpan.FromDays(89));
        Age("identifier = 'idle-3h'", TimeSpan.FromHours(3));
        FillTheWal(); // the default limit: 90 days
        Status().EnumerateArray().Select(c => c.GetProperty("identifier").GetString()).Should().BeEquivalentTo(["big", "idle-89d", "idle-3h"]);
    }

    [Fact]
    public void Status_failing_and_history_since_narrow_the_view()
    {
        _box.Run("delay-checker", ["--identifier", "fine", "--", "true"]);
        _box.Run("delay-checker", ["-c", "3", "--identifier", "bad", "--", .. Down]);
        Status("--failing").EnumerateArray().Select(c => c.GetProperty("identifier").GetString()).Should().Equal("bad");
        _box.Run("metacheck", "status", "--failing").Lines.Should().HaveCount(2);

        _box.Run("delay-checker", ["-c", "3", "--identifier", "bad", "--", .. Down]);
        Age("identifier = 'bad'", TimeSpan.FromHours(2));
        _box.Run("delay-checker", ["-c", "3", "--identifier", "bad", "--", .. Down]);
        var recent = JsonDocument.Parse(_box.Run("metacheck", "history", "--json", "--since", "1h", "bad").Stdout).RootElement;
        recent[0].GetProperty("runs").GetArrayLength().Should().Be(1);
    }

    [Fact]
    public void The_status_table_fits_the_terminal()
    {
        _box.Run("delay-checker", ["--", "sh", "-c", "true " + new string('x', 300)]);
        // On a terminal (script gives one) the command column is cut to COLUMNS; to a pipe it stays whole.
        var onTerminal = _box.Shell("NO_COLOR=1 COLUMNS=80 script -qec 'metacheck status' /dev/null");
        onTerminal.Stdout.Replace("\r", "").TrimEnd('\n').Split('\n').Should().OnlyContain(l => l.Length <= 80, onTerminal.Stdout);
        onTerminal.Stdout.Should().Contain("…");
        _box.Run("metacheck", "status").Lines[1].Should().EndWith(new string('x', 300) + "'");
    }
}
