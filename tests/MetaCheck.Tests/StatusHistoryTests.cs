using System.Text.Json;
using System.Text.RegularExpressions;
using MetaCheck.Tests.Support;
using Microsoft.Data.Sqlite;

namespace MetaCheck.Tests;

public sealed class StatusHistoryTests : IDisposable
{
    private readonly Sandbox _box = new();

    public void Dispose() => _box.Dispose();

    [Fact]
    public void Status_before_any_run_says_so()
    {
        var r = _box.Run("metacheck", "status");
        (r.Exit, r.Stdout).Should().Be((0, $"no checks recorded yet in {_box.StateDir}\n"));
        _box.Run("metacheck", "status", "--json").Stdout.Trim().Should().Be("[]");
    }

    [Fact]
    public void Status_shows_the_failure_streak_of_each_check()
    {
        _box.Run("delay-checker", "-c", "3", "--", "check_dummy", "2", "db down");
        _box.Run("delay-checker", "-c", "3", "--", "check_dummy", "2", "db down");
        _box.Run("delay-checker", "-c", "2", "--identifier", "web", "--", "check_dummy", "1", "slow");
        _box.Run("delay-checker", "-c", "2", "--identifier", "web", "--", "check_dummy", "1", "slow");
        _box.Run("interval-checker", "--interval", "60", "--", "check_dummy", "0", "fine");
        _box.Run("interval-checker", "--interval", "60", "--", "check_dummy", "0", "fine");

        var table = _box.Run("metacheck", "status").Lines;
        table[0].Should().MatchRegex("^CHECK +WRAPPER +LAST +FAILURES +LAST RUN +COMMAND$");
        table.Should().HaveCount(4);
        table.Should().Contain(l => l.Contains("delay-checker ") && l.Contains("OK suppressed") && l.Contains("2/3, not yet alerting")
                                    && l.EndsWith("check_dummy 2 'db down'"));
        table.Should().Contain(l => l.Contains("delay-checker -c 2 --identifier web ") && l.Contains("WARNING") && l.Contains("2/2, alerting"));
        table.Should().Contain(l => l.Contains("interval-checker") && l.Contains("OK replayed"));

        var json = JsonDocument.Parse(_box.Run("metacheck", "status", "--json").Stdout).RootElement;
        var db = json.EnumerateArray().Single(c => c.GetProperty("command").GetString() == "check_dummy 2 'db down'");
        db.GetProperty("streak").GetInt64().Should().Be(2);
        db.GetProperty("threshold").GetInt32().Should().Be(3);
        db.GetProperty("alerting").GetBoolean().Should().BeFalse();
        db.GetProperty("lastStatus").GetString().Should().Be("OK");
        db.GetProperty("runs").GetInt64().Should().Be(2);
    }

    [Fact]
    public void Status_tells_apart_checks_that_differ_only_in_their_options()
    {
        foreach (var options in new[] { new[] { "-c", "3" }, ["-c", "3", "--within", "5"], ["-c", "3", "--recover", "3"] })
            _box.Run("delay-checker", [.. options, "--", "check_dummy", "2", "db down"]);
        var rows = _box.Run("metacheck", "status").Lines.Skip(1).ToList();
        rows.Should().HaveCount(3).And.Satisfy(
            l => l.Contains(" delay-checker -c 3 ") && !l.Contains("--within") && !l.Contains("--recover"),
            l => l.Contains(" delay-checker -c 3 --within 5 "),
            l => l.Contains(" delay-checker -c 3 --recover 3 "));
    }

    [Fact]
    public void Reset_of_a_check_whose_last_run_succeeded_says_nothing_more()
    {
        _box.Run("delay-checker", "-c", "3", "--", "check_dummy", "0", "fine");
        _box.Run("metacheck", "reset", "fine").Lines.Should().ContainSingle().Which.Should().StartWith("reset ");
        _box.Run("delay-checker", "-c", "1", "--", "check_dummy", "2", "down");
        _box.Run("metacheck", "reset", "down").Lines.Should().Equal(
            _box.Run("metacheck", "status").Lines.Where(l => l.Contains("down")).Select(l => $"reset {l[..8]}: delay-checker -c 1 -- check_dummy 2 down")
                .Append("its last run failed (CRITICAL, still shown by the server); its next failure will be reported as it is, keeping the alert open; a success closes it"));
    }

    [Fact]
    public void Status_counts_hours_up_to_48_then_days()
    {
        var ages = new Dictionary<string, TimeSpan>
        {
            ["thirty"] = TimeSpan.FromHours(30),
            ["almost-two-days"] = TimeSpan.FromHours(47.5),
            ["two-days"] = TimeSpan.FromHours(48.5),
        };
        foreach (var name in ages.Keys) _box.Run("delay-checker", "--identifier", name, "--", "true");
        // The wrappers stamp runs with the real clock: age them in the store itself.
        using (var db = new SqliteConnection($"Data Source={_box.DatabasePath};Pooling=False"))
        {
            db.Open();
            foreach (var (name, age) in ages)
            {
                using var older = db.CreateCommand();
                older.CommandText = "UPDATE checks SET last_run_at = last_run_at - $age WHERE identifier = $name";
                older.Parameters.AddWithValue("$age", (long)age.TotalMilliseconds);
                older.Parameters.AddWithValue("$name", name);
                older.ExecuteNonQuery().Should().Be(1);
            }
        }
        var table = _box.Run("metacheck", "status").Lines;
        table.Should().Contain(l => l.Contains("--identifier thirty ") && l.Contains(" 30h ago "));
        table.Should().Contain(l => l.Contains("--identifier almost-two-days ") && l.Contains(" 47h ago "));
        table.Should().Contain(l => l.Contains("--identifier two-days ") && l.Contains(" 2d ago "));
    }

    [Fact]
    public void History_shows_a_timeline_and_each_run()
    {
        var flag = _box.PathOf("up");
        string[] check = ["-c", "2", "--", "sh", "-c", $"test -e {flag} && echo up || {{ echo down; exit 2; }}"];
        foreach (var up in new[] { true, false, false, false, true })
        {
            if (up) File.WriteAllText(flag, ""); else File.Delete(flag);
            _box.Run("delay-checker", check);
        }
        var text = _box.Run("metacheck", "history", "test -e");
        text.Exit.Should().Be(0);
        text.Lines[0].Should().StartWith("timelines run oldest to newest: . ok  s failure suppressed");
        text.Lines[2].Should().MatchRegex(@"^[0-9a-f]{8}  delay-checker -c 2 -- sh -c 'test -e ");
        text.Lines[3].Should().Be("  timeline .sCC.");
        text.Lines[4].Should().MatchRegex(@"^  duration [▁-█]{5}  \d+(-\d+)? ms$", "a bar under each run of the timeline");
        text.Lines.Skip(5).Where(l => l.Length > 0).Should().HaveCount(5);
        text.Lines[6].Should().MatchRegex(@"exit 2 +OK suppressed +DelayWarn\(1/2\): down$");

        var id = text.Lines[2][..8];
        var json = JsonDocument.Parse(_box.Run("metacheck", "history", "--json", "--limit", "2", id).Stdout).RootElement;
        var runs = json[0].GetProperty("runs").EnumerateArray().ToList();
        runs.Should().HaveCount(2);
        runs[0].GetProperty("output").GetString().Should().Be("DelayNG(3/2): down\n");
        runs[0].GetProperty("innerExit").GetInt32().Should().Be(2);
        runs[1].GetProperty("status").GetString().Should().Be("OK");
        runs[1].GetProperty("failed").GetBoolean().Should().BeFalse();
    }

    [Fact]
    public void History_draws_each_runs_duration_under_its_timeline_character()
    {
        var delay = _box.PathOf("delay");
        string[] check = ["-c", "2", "--", "sh", "-c", $"sleep $(cat {delay}); echo ok"];
        foreach (var seconds in new[] { "0", "0", "0.6", "1.2" })
        {
            File.WriteAllText(delay, seconds);
            _box.Run("delay-checker", check);
        }
        var lines = _box.Run("metacheck", "history", "sleep").Lines;
        var spark = lines.Single(l => l.StartsWith("  duration "));
        var match = Regex.Match(spark, @"^  duration (\S{4})  (\d+)-(\d+) ms$");
        match.Success.Should().BeTrue(spark);
        match.Groups[1].Value[3].Should().Be('█', "the slowest run is the highest bar");
        match.Groups[1].Value[0].Should().Be('▁', "the fastest is the lowest");
        "▃▄▅▆".Should().Contain(match.Groups[1].Value[2].ToString(), "a run half as slow is in the middle");
        int.Parse(match.Groups[3].Value).Should().BeGreaterThanOrEqualTo(1200);
    }

    [Fact]
    public void History_of_an_unknown_check_is_UNKNOWN()
    {
        _box.Run("delay-checker", "--", "true");
        var r = _box.Run("metacheck", "history", "nothing-like-this");
        r.Exit.Should().Be(3);
        r.Stdout.Should().StartWith("UNKNOWN: history: no check in ");
    }
}
