using System.Diagnostics;
using MetaCheck.Checks.CheckInode;
using MetaCheck.Checks.Framework;
using MetaCheck.Core;
using MetaCheck.Tests.Support;

namespace MetaCheck.Tests.Checks;

public sealed class CheckInodeTests : IDisposable
{
    private const string Wrapped = "/dev:1%, /:95%, /proc:-%, /data:85%, /wrapped:50%, /mnt/usb stick:11%";
    private readonly Sandbox _box = new();

    public void Dispose() => _box.Dispose();

    [Fact]
    public void Parses_real_df_output()
    {
        var volumes = CheckInode.Parse(FakeCommands.ReadFixture("df-outputs/df-i-container.txt"));
        string.Join(", ", volumes).Should().Be("/dev:1%, /dev/shm:1%, /:3%, /sys/fs/cgroup:1%");
    }

    [Fact]
    public void Parses_wrapped_devices_dashes_and_mount_points_with_spaces()
    {
        var volumes = CheckInode.Parse(FakeCommands.ReadFixture("df-outputs/df-i-wrapped.txt"));
        volumes.Should().Equal(new InodeUsage("/dev", 1, 404, 1007043), new InodeUsage("/", 95, 6225920, 6553600), new InodeUsage("/proc", null, 0, 0),
            new InodeUsage("/data", 85, 850000, 1000000), new InodeUsage("/wrapped", 50, 100000, 200000), new InodeUsage("/mnt/usb stick", 11, 6554, 65536));
    }

    [Theory]
    [InlineData(80, 90, Status.Critical, "CRITICAL: used inode more than 90% on volume / | " + Wrapped)]
    [InlineData(80, 96, Status.Warning, "WARNINGS: used inode more than 80% on volume /data | " + Wrapped)]
    [InlineData(50, 85, Status.Critical, "CRITICAL: used inode more than 85% on volume /data | " + Wrapped)]
    [InlineData(85, 96, Status.Warning, "WARNINGS: used inode more than 85% on volume /data | " + Wrapped)]
    [InlineData(80, 95, Status.Critical, "CRITICAL: used inode more than 95% on volume / | " + Wrapped)]
    [InlineData(96, 99, Status.Ok, "OK: " + Wrapped)]
    [InlineData(0, 100, Status.Warning, "WARNINGS: used inode more than 0% on volume /mnt/usb stick | " + Wrapped)]
    public void Thresholds_are_at_least_and_name_the_last_offending_volume(int w, int c, Status status, string text) =>
        CheckInode.Evaluate(CheckInode.Parse(FakeCommands.ReadFixture("df-outputs/df-i-wrapped.txt")), ThresholdRange.AtLeast(w), ThresholdRange.AtLeast(c))
            .Should().Match<CheckResult>(r => r.Status == status && r.Text == text);

    [Theory]
    [InlineData("80:", "90:", Status.Critical, "CRITICAL: inode usage 11% is outside 90: on volume /mnt/usb stick")]   // the last one below 90 in df's order
    [InlineData("~:90", "~:95", Status.Warning, "WARNINGS: inode usage 95% is outside ~:90 on volume /")]       // above 90 only; 95 is not above 95
    [InlineData("@10:20", "@94:95", Status.Critical, "CRITICAL: inode usage 95% is within 94:95 on volume /")]  // ends included
    [InlineData("@12:49", "@96:99", Status.Ok, "OK: /dev:1%")]
    public void Ranges_alert_as_the_guidelines_say(string w, string c, Status status, string start)
    {
        var warning = Ranges.Parse(w);
        var critical = Ranges.Parse(c);
        var result = CheckInode.Evaluate(CheckInode.Parse(FakeCommands.ReadFixture("df-outputs/df-i-wrapped.txt")), warning, critical);
        (result.Status, result.Text).Should().Be((status, status == Status.Ok ? "OK: " + Wrapped : $"{start} | {Wrapped}"));
    }

    [Fact]
    public void Perfdata_mode_moves_the_list_before_the_bar_and_gives_each_percentage_with_the_applied_thresholds()
    {
        _box.FakeCommand("df", "-i", "df-outputs/df-i-wrapped.txt");
        var r = _box.Run("check-inode", "-w", "80", "-c", "90", "--perfdata");
        (r.Exit, r.Stdout).Should().Be((2, $"CRITICAL: used inode more than 90% on volume / - {Wrapped} | " +
            "/dev=1%;@80:;@90:;0;100 /=95%;@80:;@90:;0;100 /data=85%;@80:;@90:;0;100 /wrapped=50%;@80:;@90:;0;100 " +
            "'/mnt/usb stick'=11%;@80:;@90:;0;100\n"));
        _box.Env["METACHECK_PERFDATA"] = "1";
        r = _box.Run("check-inode", "-w", "96", "-c", "~:98");
        (r.Exit, r.Stdout).Should().Be((0, $"OK: {Wrapped} | /dev=1%;@96:;~:98;0;100 /=95%;@96:;~:98;0;100 /data=85%;@96:;~:98;0;100 " +
            "/wrapped=50%;@96:;~:98;0;100 '/mnt/usb stick'=11%;@96:;~:98;0;100\n"));
        _box.Env["METACHECK_PERFDATA"] = "0";
        _box.Run("check-inode", "-w", "96", "-c", "98").Stdout.Should().Be($"OK: {Wrapped}\n", "0 turns the host-wide switch off");
    }

    [Fact]
    public void Verbose_adds_one_line_per_filesystem_with_its_counts()
    {
        _box.FakeCommand("df", "-i", "df-outputs/df-i-wrapped.txt");
        var r = _box.Run("check-inode", "-w", "96", "-c", "98", "-v");
        r.Stdout.Should().Be($"OK: {Wrapped}\n/dev: 404 of 1007043 inodes used (1%)\n/: 6225920 of 6553600 inodes used (95%)\n/proc: no inode data\n" +
            "/data: 850000 of 1000000 inodes used (85%)\n/wrapped: 100000 of 200000 inodes used (50%)\n/mnt/usb stick: 6554 of 65536 inodes used (11%)\n");
    }

    [Fact]
    public void Fake_df_every_status_through_the_binary()
    {
        _box.FakeCommand("df", "-i", "df-outputs/df-i-wrapped.txt");
        var r = _box.Run("check-inode", "-w", "80", "-c", "90");
        (r.Exit, r.Stdout).Should().Be((2, $"CRITICAL: used inode more than 90% on volume / | {Wrapped}\n"));
        r = _box.Run("check-inode", "-w", "80", "-c", "96");
        (r.Exit, r.Stdout).Should().Be((1, $"WARNINGS: used inode more than 80% on volume /data | {Wrapped}\n"));
        r = _box.Run("check-inode", "--w=96", "--c=97");
        (r.Exit, r.Stdout, r.Stderr).Should().Be((0, $"OK: {Wrapped}\n", ""));
    }

    [Fact]
    public void Fake_df_failing_is_UNKNOWN_with_its_message()
    {
        _box.FakeScript("df", "-i", "cat '" + Path.Combine(Fixtures.Root("df-outputs"), "df-i-container.txt") + "'\n" +
                                    "echo \"df: /mnt/nfs: Stale file handle\" >&2; exit 1");
        var r = _box.Run("check-inode", "-w", "80", "-c", "90");
        (r.Exit, r.Stdout).Should().Be((3, "UNKNOWN: check-inode: df -i failed (exit 1): df: /mnt/nfs: Stale file handle\n"));
    }

    [Fact]
    public void Fake_df_printing_nothing_usable_is_UNKNOWN()
    {
        _box.FakeScript("df", "-i", "echo 'Filesystem Inodes IUsed IFree IUse% Mounted on'");
        var r = _box.Run("check-inode", "-w", "80", "-c", "90");
        (r.Exit, r.Stdout).Should().Be((3, "UNKNOWN: check-inode: df -i printed no filesystem line\n"));
    }

    [Fact]
    public void Fix_missing_df_is_UNKNOWN()
    {
        _box.UseFakePath(systemPath: false);
        var r = _box.Run("check-inode", "-w", "80", "-c", "90");
        r.Exit.Should().Be(3);
        r.Stdout.Should().StartWith("UNKNOWN: check-inode: cannot run 'df': not found in PATH").And.EndWith("\n");
        r.Lines.Should().HaveCount(1);
    }

    [Fact]
    public void Smoke_with_the_real_df_on_this_machine()
    {
        var info = new ProcessStartInfo("df", "-i") { RedirectStandardOutput = true, UseShellExecute = false };
        info.Environment["LC_ALL"] = "C";
        using var df = Process.Start(info)!;
        var expected = "OK: " + string.Join(", ", CheckInode.Parse(df.StandardOutput.ReadToEnd()));
        df.WaitForExit();

        var r = _box.Run("check-inode", "-w", "100", "-c", "100");
        (r.Exit, r.Stdout).Should().Be((0, expected + "\n"));
        expected.Should().Contain("/:");
    }

    [Theory]
    [InlineData("-w", "80")]
    [InlineData("-c", "90")]
    [InlineData("-w", "80", "-c", "101")]
    public void Fix_usage_errors_are_UNKNOWN(params string[] args)
    {
        var r = _box.Run("check-inode", args);
        r.Exit.Should().Be(3);
        r.Lines.Should().HaveCount(1);
        r.Stdout.Should().StartWith("UNKNOWN: check-inode: ");
    }

    [Fact]
    public void Works_as_an_inner_command_of_delay_checker()
    {
        _box.FakeCommand("df", "-i", "df-outputs/df-i-wrapped.txt");
        _box.Run("delay-checker", "-c", "2", "--", "check-inode", "-w", "80", "-c", "90").Stdout
            .Should().Be($"DelayWarn(1/2): CRITICAL: used inode more than 90% on volume / | {Wrapped}\n");
        var alert = _box.Run("delay-checker", "-c", "2", "--", "check-inode", "-w", "80", "-c", "90");
        (alert.Exit, alert.Stdout).Should().Be((2, $"DelayNG(2/2): CRITICAL: used inode more than 90% on volume / | {Wrapped}\n"));
    }
}
