using System.Diagnostics;
using System.Text.Json;
using MetaCheck.State;
using MetaCheck.Tests.Support;
using Microsoft.Data.Sqlite;

namespace MetaCheck.Tests;

/// <summary>The run-history store under concurrency, kills, corruption and hostile directories.</summary>
public sealed class StoreTests : IDisposable
{
    private readonly Sandbox _box = new();

    public void Dispose() => _box.Dispose();

    private int RunsRecorded(string match)
    {
        var r = _box.Run("metacheck", "history", "--json", "--limit", "100000", match);
        return r.Exit == 0 ? JsonDocument.Parse(r.Stdout).RootElement[0].GetProperty("runs").GetArrayLength() : 0;
    }

    [Fact]
    public void Forty_concurrent_runs_of_one_check_lose_no_increment()
    {
        var processes = Enumerable.Range(0, 40)
            .Select(_ => _box.Start("delay-checker", ["-c", "100", "--identifier", "x", "--", "false"]))
            .ToList();
        foreach (var p in processes)
        {
            p.WaitForExit(60_000).Should().BeTrue();
            p.ExitCode.Should().Be(0, p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd());
        }
        var next = _box.Run("delay-checker", "-c", "100", "--identifier", "x", "--", "false");
        next.Stdout.Should().Be("DelayWarn(41/100): \n");
        next.Stderr.Should().BeEmpty();
    }

    [Fact]
    public void A_wrapper_killed_mid_run_never_corrupts_the_store()
    {
        var random = new Random(42);
        // Kills must land before, during and after the write whatever the machine's load: scale them to
        // how long one run takes here (~10-15 ms on an idle machine, 150 ms on a busy one).
        var clock = Stopwatch.StartNew();
        using (var timed = _box.Start("delay-checker", ["-c", "1000", "--", "true"])) timed.WaitForExit();
        int runMs = Math.Max(15, (int)clock.ElapsedMilliseconds);
        for (int i = 0; i < 25; i++)
        {
            using var p = _box.Start("delay-checker", ["-c", "1000", "--", "false"]);
            Thread.Sleep(random.Next(0, runMs * 3 / 2));
            try { p.Kill(); } catch (InvalidOperationException) { }
            p.WaitForExit();
        }
        using (var db = new SqliteConnection($"Data Source={_box.DatabasePath}"))
        {
            db.Open();
            using var check = db.CreateCommand();
            check.CommandText = "PRAGMA integrity_check";
            check.ExecuteScalar().Should().Be("ok");
        }
        int committed = RunsRecorded("false");
        committed.Should().BeGreaterThan(0).And.BeLessThan(25, "some runs were killed before they committed");
        _box.Run("delay-checker", "-c", "1000", "--", "false").Stdout.Should().Be($"DelayWarn({committed + 1}/1000): \n");
    }

    [Fact]
    public void A_corrupt_store_is_moved_aside_and_recreated()
    {
        _box.Run("delay-checker", "-c", "3", "--", "false");
        File.WriteAllBytes(_box.DatabasePath, Enumerable.Repeat((byte)0x5a, 8192).ToArray());
        foreach (var extra in new[] { "-wal", "-shm" }) File.Delete(_box.DatabasePath + extra);
        var r = _box.Run("delay-checker", "-c", "3", "--", "false");
        r.Stdout.Should().Be("DelayWarn(1/3): \n");
        r.Stderr.Should().Contain("was unreadable").And.Contain("moved it to");
        Directory.GetFiles(_box.StateDir, "metacheck.db.corrupt-*").Should().NotBeEmpty();
        _box.Run("delay-checker", "-c", "3", "--", "false").Stdout.Should().Be("DelayWarn(2/3): \n");
    }

    [Fact]
    public void The_store_is_private_to_its_user()
    {
        Directory.CreateDirectory(_box.StateDir);
        File.SetUnixFileMode(_box.StateDir, (UnixFileMode)0x1ff); // 0777, as MACKEREL_PLUGIN_WORKDIR is
        _box.Run("delay-checker", "--", "true").Exit.Should().Be(0);
        File.GetUnixFileMode(_box.StateDir).Should().Be((UnixFileMode)0x1c0, "the directory is tightened to 0700");
        foreach (var file in Directory.GetFiles(_box.StateDir))
            File.GetUnixFileMode(file).Should().Be((UnixFileMode)0x180, $"{file} is 0600");
    }

    [Fact]
    public void A_symlinked_state_directory_is_refused_and_the_check_still_reports_its_real_result()
    {
        var real = _box.PathOf("elsewhere");
        Directory.CreateDirectory(real);
        File.CreateSymbolicLink(_box.StateDir, real);
        var r = _box.Run("delay-checker", "-c", "3", "--", "sh", "-c", "echo down; exit 2");
        (r.Exit, r.Lines[0]).Should().Be((2, "down"), "without history a failure is reported as it is");
        r.Stderr.Should().Contain("it is a symlink").And.Contain("without history");
        Directory.GetFiles(real).Should().BeEmpty();
    }

    [Fact]
    public void A_state_directory_owned_by_someone_else_is_refused()
    {
        Posix.EffectiveUserId.Should().Be(0u, "this test needs root to hand the directory to another user (CI runs as root)");
        Directory.CreateDirectory(_box.StateDir);
        Process.Start("chown", ["65534", _box.StateDir])!.WaitForExit();
        var r = _box.Run("interval-checker", "--interval", "60", "--", "echo", "fresh");
        (r.Exit, r.Lines[0]).Should().Be((0, "fresh"));
        r.Stderr.Should().Contain("owned by uid 65534");
    }

    [Fact]
    public void A_store_locked_too_long_fails_open_after_a_few_seconds()
    {
        _box.Run("delay-checker", "--", "true");
        using var db = new SqliteConnection($"Data Source={_box.DatabasePath}");
        db.Open();
        // Exclusive locking mode: not even readers get in (a sqlite3 session or backup tool can do this).
        foreach (var sql in new[] { "PRAGMA locking_mode = EXCLUSIVE", "BEGIN EXCLUSIVE", "UPDATE checks SET streak = streak", "COMMIT" })
        {
            using var lockIt = db.CreateCommand();
            lockIt.CommandText = sql;
            lockIt.ExecuteNonQuery();
        }
        var r = _box.Run("delay-checker", "-c", "5", "--", "sh", "-c", "echo real; exit 1");
        (r.Exit, r.Lines[0]).Should().Be((1, "real"));
        r.Stderr.Should().Contain("stayed locked for more than 3 s");
        r.Elapsed.Should().BeGreaterThan(TimeSpan.FromSeconds(2.5), "the documented wait is 3 s; the message above names it");
    }

    [Fact]
    public void A_store_locked_before_it_has_a_schema_fails_open_while_opening()
    {
        // Unlike a locked WAL store (above), a new file still in SQLite's default rollback journal and
        // held under BEGIN EXCLUSIVE cannot even be read: opening it (reading its schema version) fails.
        Directory.CreateDirectory(_box.StateDir);
        using var db = new SqliteConnection($"Data Source={_box.DatabasePath};Pooling=False");
        db.Open();
        using (var lockIt = db.CreateCommand())
        {
            lockIt.CommandText = "PRAGMA journal_mode";
            lockIt.ExecuteScalar().Should().Be("delete");
            lockIt.CommandText = "BEGIN EXCLUSIVE";
            lockIt.ExecuteNonQuery();
        }
        var r = _box.Run("delay-checker", "-c", "5", "--", "sh", "-c", "echo real; exit 2");
        (r.Exit, r.Lines[0]).Should().Be((2, "real"), "the check's own result comes back");
        r.Lines[1].Should().Contain("no run history", "the operator sees it in the output, not only on stderr");
        r.Stderr.Should().StartWith("metacheck: delay-checker: ").And.Contain("locked").And.Contain("without history");
        r.Elapsed.Should().BeLessThan(Patience.Bound);
    }

    [Fact]
    public void Retention_keeps_the_last_runs_per_check()
    {
        for (int i = 0; i < 8; i++) _box.Run("delay-checker", "-c", "100", "--keep-runs", "5", "--", "false");
        RunsRecorded("false").Should().Be(5);
        _box.Env["METACHECK_KEEP_RUNS"] = "3";
        _box.Run("delay-checker", "-c", "100", "--", "false").Stdout.Should().Be("DelayWarn(9/100): \n");
        RunsRecorded("false").Should().Be(3);
    }

    [Fact]
    public void The_write_ahead_log_stays_bounded_over_hundreds_of_runs()
    {
        // Each run is a new process that rebuilds SQLite's WAL index from the whole WAL; left to SQLite's
        // passive auto-checkpoint the WAL never restarted and grew by ~10 KB a run (3 MB here), read in full by every run.
        for (int i = 0; i < 300; i++) _box.Run("delay-checker", "-c", "1000", "--identifier", $"c{i % 10}", "--", "false");
        var wal = new FileInfo(_box.DatabasePath + "-wal");
        (wal.Exists ? wal.Length : 0).Should().BeLessThan(StateStore.WalLimitBytes + 64 * 1024);
        _box.Run("delay-checker", "-c", "1000", "--identifier", "c3", "--", "false").Stdout.Should().Be("DelayWarn(31/1000): \n", "nothing was lost");
        _box.Run("delay-checker", "-c", "1000", "--identifier", "c9", "--", "false").Stdout.Should().Be("DelayWarn(31/1000): \n");
    }

    [Fact]
    [Trait("Kind", "InProcess")] // calls the rules directly: `make mutation` runs it
    public void The_state_directory_follows_the_documented_order()
    {
        // HOME must be the user's own directory (one that is not falls back to the passwd home).
        var home = _box.PathOf("u");
        Directory.CreateDirectory(home);
        Process.Start("chown", ["1000", home])!.WaitForExit();
        string? Env(string name) => name switch
        {
            "MACKEREL_PLUGIN_WORKDIR" => "/var/tmp/mackerel-agent",
            "HOME" => home,
            _ => null,
        };
        StateDirectory.Resolve("/x", Env, 1000).Path.Should().Be("/x");
        StateDirectory.Resolve(null, n => n == StateDirectory.EnvVar ? "/y" : Env(n), 1000).Path.Should().Be("/y");
        StateDirectory.Resolve(null, Env, 1000).Path.Should().Be("/var/tmp/mackerel-agent/metacheck/1000");
        StateDirectory.Resolve(null, Env, 0).Path.Should().Be("/var/tmp/mackerel-agent/metacheck/0");
        StateDirectory.Resolve(null, n => n == "HOME" ? home : null, 0).Path.Should().Be("/var/lib/metacheck");
        StateDirectory.Resolve(null, n => n == "HOME" ? home : null, 1000).Path.Should().Be($"{home}/.local/state/metacheck");
        StateDirectory.Resolve(null, n => n switch { "HOME" => home, "XDG_STATE_HOME" => "/xdg", _ => null }, 1000)
            .Path.Should().Be("/xdg/metacheck");
    }
}
