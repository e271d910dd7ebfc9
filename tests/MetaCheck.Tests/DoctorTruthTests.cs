using MetaCheck.Tests.Support;
using Microsoft.Data.Sqlite;

namespace MetaCheck.Tests;

/// <summary>doctor tells the truth: the layouts the package is built for are fine, what makes wrappers fail open is named.</summary>
public sealed class DoctorTruthTests : IDisposable
{
    private readonly Sandbox _box = new();

    public void Dispose() => _box.Dispose();

    /// <summary>An install as the package makes it (PREFIX/bin: the binary and the wrappers; the plugins in PREFIX/lib/metacheck/bin).</summary>
    private string Install()
    {
        var prefix = _box.PathOf("usr");
        var bin = Path.Combine(prefix, "bin");
        var plugins = Path.Combine(prefix, "lib", "metacheck", "bin");
        Directory.CreateDirectory(bin);
        Directory.CreateDirectory(plugins);
        File.Copy(Path.Combine(Installed.PrefixBin, "metacheck"), Path.Combine(bin, "metacheck"));
        foreach (var wrapper in new[] { "delay-checker", "interval-checker", "periodic-checker" }) File.CreateSymbolicLink(Path.Combine(bin, wrapper), "metacheck");
        foreach (var name in _box.Run("metacheck", "--list").Lines.Append("metacheck"))
            File.CreateSymbolicLink(Path.Combine(plugins, name), "../../../bin/metacheck");
        return prefix;
    }

    [Fact]
    public void Mackerel_check_plugins_in_the_same_bin_directory_first_in_PATH_is_an_info_line_and_exit_0()
    {
        // mackerel-check-plugins puts check-tcp and check-uptime in /usr/bin, beside our /usr/bin/metacheck.
        var prefix = Install();
        var bin = Path.Combine(prefix, "bin");
        foreach (var theirs in new[] { "check-tcp", "check-uptime" })
        {
            File.WriteAllText(Path.Combine(bin, theirs), "#!/bin/sh\necho mackerel\n");
            File.SetUnixFileMode(Path.Combine(bin, theirs), (UnixFileMode)0x1ed);
        }
        _box.Env["PATH"] = $"{bin}:/usr/bin:/bin";
        var r = _box.Run(Path.Combine(bin, "metacheck"), "doctor");
        r.Exit.Should().Be(0, r.ToString());
        r.Stdout.Should().NotContain("WARN")
            .And.Contain("ok    delay-checker, interval-checker, periodic-checker: command names resolve in PATH to this binary\n")
            .And.Contain($"info  in PATH these names are another package's; ours are in {prefix}/lib/metacheck/bin: ")
            .And.Contain($"check-tcp ({bin}/check-tcp)").And.Contain($"check-uptime ({bin}/check-uptime)");
    }

    [Fact]
    public void PATH_through_a_symlinked_directory_reaches_this_binary_without_a_warning()
    {
        // Merged /usr: /bin is a link to usr/bin, and PATH often names /bin first.
        var prefix = Install();
        var merged = _box.PathOf("bin");
        File.CreateSymbolicLink(merged, Path.Combine(prefix, "bin"));
        _box.Env["PATH"] = $"{merged}:{prefix}/bin:/usr/bin:/bin";
        var r = _box.Run(Path.Combine(prefix, "bin", "metacheck"), "doctor");
        r.Exit.Should().Be(0, r.ToString());
        r.Stdout.Should().NotContain("WARN").And.Contain("command names resolve in PATH to this binary");
    }

    [Fact]
    public void A_store_file_its_owner_cannot_write_is_reported_and_repaired_by_the_next_run()
    {
        _box.Run("delay-checker", "--", "true").Exit.Should().Be(0);
        File.SetUnixFileMode(_box.DatabasePath, UnixFileMode.UserRead); // 0400: SQLite opens it read-only, every write fails
        var doctor = _box.Run("metacheck", "doctor");
        doctor.Stdout.Should().Contain($"info  store {_box.DatabasePath} is mode 0400, not writable by its owner: the next wrapper run makes it 0600");
        _box.Run("delay-checker", "--", "true").Stderr.Should().BeEmpty();
        File.GetUnixFileMode(_box.DatabasePath).Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    [Fact]
    public void Another_programs_SQLite_file_in_place_of_the_store_is_named_and_left_alone()
    {
        Directory.CreateDirectory(_box.StateDir);
        using (var db = new SqliteConnection($"Data Source={_box.DatabasePath};Pooling=False"))
        {
            db.Open();
            using var create = db.CreateCommand();
            create.CommandText = "CREATE TABLE accounts (name TEXT); INSERT INTO accounts VALUES ('alice');";
            create.ExecuteNonQuery();
        }
        var doctor = _box.Run("metacheck", "doctor");
        doctor.Exit.Should().Be(2, doctor.ToString());
        doctor.Stdout.Should().Contain($"FIX   store {_box.DatabasePath} is not a metacheck store: an SQLite database of something else (tables accounts)");
        var run = _box.Run("delay-checker", "--", "sh", "-c", "echo down; exit 2");
        (run.Exit, run.Stdout).Should().Be((2,
            $"down\ndelay-checker: no run history (state store {_box.DatabasePath} is not a metacheck store: an SQLite database of something else (tables accounts); move it away or choose another --state-dir); reporting the check's own result\n"));
        using (var db = new SqliteConnection($"Data Source={_box.DatabasePath};Mode=ReadOnly;Pooling=False"))
        {
            db.Open();
            using var tables = db.CreateCommand();
            tables.CommandText = "SELECT group_concat(name) FROM sqlite_master WHERE type = 'table'";
            tables.ExecuteScalar().Should().Be("accounts", "nothing of ours is added to another program's database");
        }
    }
}
