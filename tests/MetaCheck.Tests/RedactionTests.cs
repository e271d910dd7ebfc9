using System.Text;
using MetaCheck.Tests.Support;
using Microsoft.Data.Sqlite;

namespace MetaCheck.Tests;

/// <summary>
/// Secrets planted in the inner command, run through the installed wrappers (issue 20, item 6; issue 24,
/// behaviour 8): none reaches status, history, --json, the store files or the wrappers' own messages.
/// The forms one by one are in Unit/SecretsTests; here each kind goes the whole way once.
/// </summary>
public sealed class RedactionTests : IDisposable
{
    private readonly Sandbox _box = new();

    public void Dispose() => _box.Dispose();

    /// <summary>A stand-in for a real client: named as it, prints its arguments (so output scrubbing is exercised too) and fails.</summary>
    private string Fake(string name, string body = "echo \"$(basename \"$0\") $*\"; exit 2")
    {
        var path = _box.PathOf(name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, $"#!/bin/sh\n{body}\n");
        File.SetUnixFileMode(path, (UnixFileMode)0x1ed);
        return path;
    }

    private string Everything()
    {
        var shown = new StringBuilder();
        foreach (var args in new[] { new[] { "status" }, ["status", "--json"], ["history", "-"], ["history", "--json", "-"] })
            shown.AppendLine(_box.Run("metacheck", args).Stdout);
        return shown.ToString();
    }

    private void StoreFilesShouldNotContain(string secret)
    {
        foreach (var file in Directory.GetFiles(_box.StateDir))
            Encoding.Latin1.GetString(File.ReadAllBytes(file)).Should().NotContain(secret, file);
    }

    [Fact]
    public void No_planted_secret_is_stored_or_shown_and_what_is_not_secret_stays()
    {
        var curl = Fake("curl");
        var mysql = Fake("mysql");
        var runs = new List<string[]>
        {
            new[] { curl, "-u", "admin:pa55word-a", "https://x:pa55word-b@h/?token=pa55word-c", "-H", "Authorization: Bearer pa55word-d" },
            new[] { Fake("redis-cli"), "-h", "r1", "-p", "6379", "-a", "pa55word-e", "ping" },
            new[] { Fake("sshpass"), "-p", "pa55word-f", "ssh", "h" },
            new[] { Fake("snmpget"), "-v2c", "-c", "pa55word-g", "h", "sysUpTime.0" },
            new[] { Fake("check_foo"), "--dbpass", "pa55word-h", "--pw=pa55word-i", "-psecret-pa55word-o", "-H", "host" },
            new[] { "env", "MYSQL_PWD=pa55word-j", mysql, "-e", "status" },
            new[] { "timeout", "5", mysql, "-upa55user", "-ppa55word-k" },
            new[] { "sh", "-c", $"{mysql} -p'pa55word-l' -e 'select 1'" },
        };
        foreach (var argv in runs)
        {
            var run = _box.Run("delay-checker", ["-c", "3", "--", .. argv]);
            run.Stdout.Should().StartWith("DelayWarn(1/3)", run.ToString());
        }
        // A wrapper inside a wrapper: the inner one's command is redacted as well.
        _box.Run("delay-checker", "-c", "3", "--", "interval-checker", "--", Fake("check_mysql"), "-H", "db", "-p", "pa55word-m")
            .Stdout.Should().StartWith("DelayWarn(1/3)");
        // The wrapper's own message about a command it killed.
        var slow = Fake("slow/mysql", "sleep 30");
        var timedOut = _box.Run("delay-checker", "--timeout", "1", "--", slow, "-ppa55word-n");
        timedOut.Stdout.Should().Contain("mysql '-p***' timed out").And.NotContain("pa55word", timedOut.ToString());

        var shown = Everything();
        shown.Should().NotContain("pa55word");
        shown.Should().Contain("admin:***").And.Contain("Bearer ***").And.Contain("-p 6379").And.Contain("-upa55user")
            .And.Contain("MYSQL_PWD=***").And.Contain("-c '***'").And.Contain("-H host").And.Contain("-p*** -e");
        StoreFilesShouldNotContain("pa55word");
    }

    [Fact]
    public void A_store_written_before_these_rules_is_redacted_and_its_checks_keep_their_streaks()
    {
        var curl = Fake("curl");
        string[] check = ["delay-checker", "-c", "5", "--", curl, "-u", "admin:pa55word", "https://h/"];
        _box.Run("metacheck", check).Stdout.Should().StartWith("DelayWarn(1/5)");
        _box.Run("metacheck", check).Stdout.Should().StartWith("DelayWarn(2/5)");
        // Make it the store an older metacheck wrote: its key, argv and runs held the secret.
        using (var db = new SqliteConnection($"Data Source={_box.DatabasePath};Pooling=false"))
        {
            db.Open();
            using var older = db.CreateCommand();
            older.CommandText = """
                UPDATE checks SET key = replace(key, '9:admin:***;', '14:admin:pa55word;'),
                    argv = replace(argv, 'admin:***', 'admin:pa55word'), command = replace(command, 'admin:***', 'admin:pa55word');
                UPDATE runs SET output = CAST(replace(CAST(output AS TEXT), 'admin:***', 'admin:pa55word') AS BLOB);
                INSERT INTO mutes (check_key, until, reason, created_at) SELECT key, 1, 'old', 0 FROM checks;
                PRAGMA user_version = 3;
                """;
            older.ExecuteNonQuery();
            using var probe = db.CreateCommand();
            probe.CommandText = "SELECT count(*) FROM checks WHERE key LIKE '%pa55word%'";
            ((long)probe.ExecuteScalar()!).Should().Be(1, "the test must start from a store with the secret in it");
        }
        _box.Run("metacheck", check).Stdout.Should().StartWith("DelayWarn(3/5)", "the upgraded row is the one today's runs find");
        Everything().Should().NotContain("pa55word").And.Contain("admin:***");
        StoreFilesShouldNotContain("pa55word");
    }
}
