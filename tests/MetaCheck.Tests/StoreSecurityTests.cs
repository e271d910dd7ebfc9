using System.Diagnostics;
using System.Text;
using System.Text.Json;
using MetaCheck.Tests.Support;
using Microsoft.Data.Sqlite;

namespace MetaCheck.Tests;

/// <summary>The store's safety and its faults (issue 12): each case once failed, or answered wrongly.</summary>
public sealed class StoreSecurityTests : IDisposable
{
    private readonly Sandbox _box = new();

    public void Dispose() => _box.Dispose();

    private static UnixFileMode Mode(string path) => File.GetUnixFileMode(path);

    [Fact]
    public void Missing_parents_are_created_0755_at_most_even_under_umask_000()
    {
        var state = _box.PathOf("a/b/c/state");
        var r = _box.Shell($"umask 000; METACHECK_STATE_DIR={state} exec delay-checker -- true");
        r.Exit.Should().Be(0, r.ToString());
        foreach (var parent in new[] { "a", "a/b", "a/b/c" }) Mode(_box.PathOf(parent)).Should().Be((UnixFileMode)0x1ed, parent);
        Mode(state).Should().Be((UnixFileMode)0x1c0);
        foreach (var file in Directory.GetFiles(state)) Mode(file).Should().Be((UnixFileMode)0x180, file);
    }

    [Fact]
    public void A_state_directory_in_a_world_writable_parent_without_the_sticky_bit_is_refused()
    {
        var open = _box.PathOf("open");
        Directory.CreateDirectory(open);
        File.SetUnixFileMode(open, (UnixFileMode)0x1ff);
        _box.Env["METACHECK_STATE_DIR"] = Path.Combine(open, "state");
        var r = _box.Run("delay-checker", "-c", "3", "--", "sh", "-c", "echo down; exit 2");
        r.Exit.Should().Be(2, "without history the failure is reported as it is");
        r.Stdout.Should().Contain("writable by everyone without the sticky bit");
        Directory.Exists(Path.Combine(open, "state")).Should().BeFalse();

        File.SetUnixFileMode(open, (UnixFileMode)0x3ff); // 1777, as /tmp
        _box.Run("delay-checker", "-c", "3", "--", "sh", "-c", "echo down; exit 2").Stdout.Should().Be("DelayWarn(1/3): down\n");
    }

    [Fact]
    public void Secrets_given_as_arguments_are_never_stored_nor_shown()
    {
        var mysql = _box.PathOf("mysql"); // stands in for the MySQL client: -pSECRET
        File.WriteAllText(mysql, "#!/bin/sh\necho ok\n");
        File.SetUnixFileMode(mysql, (UnixFileMode)0x1ed);
        _box.Run("delay-checker", "--", mysql, "-uroot", "-phunter2-a");
        _box.Run("delay-checker", "--", "sh", "-c", "echo ok", "sh", "--password", "hunter2-b", "--apikey=hunter2-c", "-token", "hunter2-d");
        _box.Run("interval-checker", "--", "check_mysql", "-H", "db", "-p", "hunter2-e");

        var shown = string.Join("\n", _box.Run("metacheck", "status").Stdout, _box.Run("metacheck", "status", "--json").Stdout,
            _box.Run("metacheck", "history", "-").Stdout, _box.Run("metacheck", "history", "--json", "-").Stdout);
        shown.Should().NotContain("hunter2").And.Contain("-p***").And.Contain("--apikey=***");
        foreach (var file in Directory.GetFiles(_box.StateDir))
            Encoding.Latin1.GetString(File.ReadAllBytes(file)).Should().NotContain("hunter2", file);
    }

    [Fact]
    public void Control_characters_from_check_output_are_escaped_in_text_and_exact_in_json()
    {
        var hostile = "\u001b]0;pwned\u0007\u001b[2J\rFAKE OK";
        _box.Run("delay-checker", "-c", "3", "--", "printf", hostile.Replace("\\", "\\\\") + "\\n");
        var text = _box.Run("metacheck", "history", "printf").Stdout + _box.Run("metacheck", "status").Stdout;
        text.Should().NotContain("\u001b").And.NotContain("\r").And.NotContain("\u0007");
        text.Should().Contain("\\x1b]0;pwned\\x07\\x1b[2J\\x0dFAKE OK");
        var json = JsonDocument.Parse(_box.Run("metacheck", "history", "--json", "printf").Stdout).RootElement;
        json[0].GetProperty("runs")[0].GetProperty("output").GetString().Should().Be(hostile + "\n");
    }

    [Fact]
    public void Doctor_neither_hangs_on_a_FIFO_nor_calls_a_directory_store_ok()
    {
        Directory.CreateDirectory(_box.StateDir);
        Process.Start("mkfifo", [_box.DatabasePath])!.WaitForExit();
        var fifo = _box.Run("metacheck", ["doctor"], stdin: null, limit: TimeSpan.FromSeconds(15));
        fifo.Exit.Should().Be(2, fifo.ToString());
        fifo.Stdout.Should().Contain($"FIX   state store {_box.DatabasePath} is not a regular file (a FIFO");
        var wrapper = _box.Run("delay-checker", ["--", "true"], stdin: null, limit: TimeSpan.FromSeconds(15));
        wrapper.Exit.Should().Be(0);

        File.Delete(_box.DatabasePath);
        Directory.CreateDirectory(_box.DatabasePath);
        var dir = _box.Run("metacheck", "doctor");
        dir.Exit.Should().Be(2, dir.ToString());
        dir.Stdout.Should().Contain("is not a regular file (a directory)");

        var status = _box.Run("metacheck", "status");
        status.Exit.Should().Be(3, "an unusable store is not an empty one");
        status.Stdout.Should().StartWith("UNKNOWN: status: state store").And.NotContain("no checks recorded");
    }

    [Fact]
    public void Store_faults_are_one_clear_line_never_an_internal_error()
    {
        _box.Run("delay-checker", "--", "true");
        File.Delete(_box.DatabasePath + "-wal");
        Directory.CreateDirectory(_box.DatabasePath + "-wal");
        foreach (var args in new[] { new[] { "status" }, ["history", "true"], ["reset", "true"], ["doctor"] })
        {
            var r = _box.Run("metacheck", args);
            r.Stdout.Should().NotContain("internal error").And.NotContain("Exception", string.Join(' ', args));
            r.Exit.Should().BeOneOf([2, 3], r.ToString());
        }
        var run = _box.Run("delay-checker", "--", "sh", "-c", "echo fine");
        (run.Exit, run.Lines[0]).Should().Be((0, "fine"));
        run.Stdout.Should().NotContain("internal error");
    }

    [Fact]
    public void A_store_of_schema_1_is_upgraded_keeping_its_history_with_secrets_redacted()
    {
        Directory.CreateDirectory(_box.StateDir);
        File.SetUnixFileMode(_box.StateDir, (UnixFileMode)0x1c0);
        using (var db = new SqliteConnection($"Data Source={_box.DatabasePath};Pooling=false"))
        {
            db.Open();
            using var create = db.CreateCommand();
            // The tables as schema 1 made them, with a row as metacheck 1 wrote it (argv in the key, unredacted).
            create.CommandText = """
                PRAGMA journal_mode = WAL;
                CREATE TABLE checks (id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, short_id TEXT NOT NULL, wrapper TEXT NOT NULL,
                    identifier TEXT NOT NULL, command TEXT NOT NULL, streak INTEGER NOT NULL DEFAULT 0, alerting INTEGER NOT NULL DEFAULT 0,
                    threshold INTEGER, window INTEGER, last_run_at INTEGER, last_status INTEGER, last_outcome INTEGER,
                    runs_total INTEGER NOT NULL DEFAULT 0, cached_at INTEGER, cached_status INTEGER, cached_output BLOB);
                CREATE TABLE runs (id INTEGER PRIMARY KEY, check_id INTEGER NOT NULL REFERENCES checks (id), started_at INTEGER NOT NULL,
                    duration_ms INTEGER NOT NULL, inner_exit INTEGER, status INTEGER NOT NULL, outcome INTEGER NOT NULL, failed INTEGER, output BLOB NOT NULL);
                CREATE INDEX runs_by_check ON runs (check_id, id);
                CREATE TABLE plugin_values (namespace TEXT NOT NULL, name TEXT NOT NULL, value BLOB NOT NULL, updated_at INTEGER NOT NULL, PRIMARY KEY (namespace, name));
                INSERT INTO checks (key, short_id, wrapper, identifier, command, streak, threshold, last_run_at, last_status, last_outcome, runs_total)
                VALUES ('13:delay-checker;0:;11:check_mysql;2:-p;7:hunter2;', '0123456789abcdef', 'delay-checker', '', 'check_mysql -p hunter2',
                        2, 3, 1790000000000, 0, 1, 2);
                INSERT INTO runs (check_id, started_at, duration_ms, status, outcome, failed, output) VALUES (1, 1790000000000, 5, 0, 1, 1, X'6f6b');
                PRAGMA user_version = 1;
                """;
            create.ExecuteNonQuery();
        }
        var status = _box.Run("metacheck", "status", "--json");
        status.Exit.Should().Be(0, status.ToString());
        var check = JsonDocument.Parse(status.Stdout).RootElement[0];
        check.GetProperty("argv").EnumerateArray().Select(a => a.GetString()).Should().Equal("check_mysql", "-p", "***");
        check.GetProperty("streak").GetInt64().Should().Be(2);
        _box.Run("metacheck", "history", "--json", "01234567").Stdout.Should().Contain("\"runs\"").And.NotContain("hunter2");
        _box.Run("delay-checker", "--", "true").Exit.Should().Be(0);
        foreach (var file in Directory.GetFiles(_box.StateDir))
            Encoding.Latin1.GetString(File.ReadAllBytes(file)).Should().NotContain("hunter2", file);
    }

    [Fact]
    public void Loose_WAL_files_are_tightened_and_a_newer_schema_is_refused_clearly()
    {
        _box.Run("delay-checker", "--", "true");
        foreach (var extra in new[] { "-wal", "-shm" }) File.SetUnixFileMode(_box.DatabasePath + extra, (UnixFileMode)0x1a4); // 0644
        _box.Run("delay-checker", "--", "true").Exit.Should().Be(0);
        foreach (var extra in new[] { "-wal", "-shm" }) Mode(_box.DatabasePath + extra).Should().Be((UnixFileMode)0x180, extra);

        using (var db = new SqliteConnection($"Data Source={_box.DatabasePath};Pooling=false"))
        {
            db.Open();
            using var bump = db.CreateCommand();
            bump.CommandText = "PRAGMA user_version = 99";
            bump.ExecuteNonQuery();
        }
        var run = _box.Run("delay-checker", "-c", "3", "--", "sh", "-c", "echo down; exit 2");
        run.Exit.Should().Be(2);
        run.Stdout.Should().Contain("has schema version 99, newer than this metacheck knows");
        var status = _box.Run("metacheck", "status");
        status.Exit.Should().Be(3);
        status.Lines.Should().ContainSingle().Which.Should().StartWith($"UNKNOWN: status: state store {_box.DatabasePath} has schema version 99, newer than this metacheck knows")
            .And.Contain("upgrade metacheck");
    }

    [Fact]
    public void A_store_one_schema_newer_than_this_binary_is_refused()
    {
        // Not only a far-future store: the very next schema may have changed what a column means.
        using (var store = MetaCheck.State.StateStore.Open(_box.StateDir)) { }
        long next;
        using (var db = new SqliteConnection($"Data Source={_box.DatabasePath};Pooling=false"))
        {
            db.Open();
            using var read = db.CreateCommand();
            read.CommandText = "PRAGMA user_version";
            next = (long)read.ExecuteScalar()! + 1;
            using var bump = db.CreateCommand();
            bump.CommandText = $"PRAGMA user_version = {next}";
            bump.ExecuteNonQuery();
        }
        var open = () => MetaCheck.State.StateStore.Open(_box.StateDir);
        open.Should().Throw<MetaCheck.State.StateUnavailableException>().WithMessage($"*has schema version {next}, newer than this metacheck knows*");
        var run = _box.Run("delay-checker", "--", "true");
        run.Exit.Should().Be(0, "the check's own result");
        run.Stdout.Should().Contain($"no run history (state store {_box.DatabasePath} has schema version {next}, newer than this metacheck knows");
    }
}
