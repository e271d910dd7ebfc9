using MetaCheck.Checks.LinuxLite;
using MetaCheck.Tests.Support;

namespace MetaCheck.Tests.Checks;

public sealed class LinuxLiteTests : IDisposable
{
    private readonly Sandbox _box = new();

    public LinuxLiteTests()
    {
        // A fixed `ps` so process counts are exact: 5 processes, 2 running (header and junk lines ignored).
        Directory.CreateDirectory(_box.PathOf("fakebin"));
        var ps = _box.PathOf("fakebin/ps");
        File.WriteAllText(ps, "#!/bin/sh\nprintf '  PID S\\n    1 S\\n    2 R\\n  300 D\\n 4001 R\\n65000 Z\\nnot a process\\n'\n");
        File.SetUnixFileMode(ps, UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.UserWrite);
    }

    public void Dispose() => _box.Dispose();

    private string FakePath => $"{_box.PathOf("fakebin")}:{Installed.BinDir}:/usr/bin:/bin";

    [Fact]
    public void Process_lines_are_pid_and_state()
    {
        // `R+` is not a word, so (as in the original) that line is not a process line.
        LinuxLite.CountProcesses("  PID S\n    1 S\n    2 R\n  300 R+\n 4001 R\nxx 1 R\n").Should().Be((3, 2));
    }

    [Fact]
    public void Processors_are_counted_from_cpuinfo() =>
        LinuxLite.CountProcessors("processor\t: 0\nmodel name\t: x\n\nprocessor  : 1\nprocessors: no\n").Should().Be(2);

    [Fact]
    public void Missing_cpu_columns_are_zero() =>
        LinuxLite.CpuCounters("cpu  1 2 3 4 5 6 7 8\ncpu0 9 9 9 9\n", "stat").Should().Equal(1, 2, 3, 4, 5, 6, 7, 8, 0, 0);

    [Fact]
    public void Cpu_usage_is_each_delta_over_the_sum_with_guest_counted_twice()
    {
        double[] before = [100, 0, 50, 800, 0, 0, 0, 10, 0, 0];
        double[] after = [160, 0, 70, 880, 0, 0, 0, 30, 20, 0];   // guest +20 is also inside user +60
        LinuxLite.CpuUsage(before, after, 1000).Select(x => (x.Key, Math.Round(x.Percent, 6))).Should().Equal(
            ("cpu-user", 30.0), ("cpu-nice", 0.0), ("cpu-system", 10.0), ("cpu-idle", 40.0), ("cpu-iowait", 0.0), ("cpu-irq", 0.0),
            ("cpu-softirq", 0.0), ("cpu-steal", 10.0), ("cpu-guest", 10.0), ("cpu-guest-nice", 0.0));
    }

    [Fact]
    public void Steal_is_zero_in_the_first_180_seconds_and_resets_are_zero()
    {
        double[] before = [100, 0, 50, 800, 0, 0, 0, 10, 0, 0];
        double[] after = [150, 0, 40, 850, 0, 0, 0, 110, 0, 0];
        LinuxLite.CpuUsage(before, after, 179).Select(x => x.Percent).Should().Equal(50, 0, 0, 50, 0, 0, 0, 0, 0, 0);
        LinuxLite.CpuUsage(before, after, 180).Select(x => x.Percent).Should().Equal(25, 0, 0, 25, 0, 0, 0, 50, 0, 0);
        LinuxLite.CpuUsage(before, before, 1000).Should().BeEmpty();
    }

    [Fact]
    public void First_run_saves_counters_and_the_second_prints_cpu_usage_in_perl_format()
    {
        var proc = _box.CopyFixture("linux-2.6.32");
        var run = new InProcess(_box, proc);
        run.Env["PATH"] = FakePath;
        var first = run.Run(LinuxLite.Main);
        (first.Exit, first.Stdout).Should().Be((0,
            "linux-lite.memory.avail\t2004799488\t1700000000\nlinux-lite.loadavg.per-cpu\t0.105\t1700000000\n" +
            "linux-lite.process.all\t5\t1700000000\nlinux-lite.process.running\t2\t1700000000\n"));
        File.WriteAllText(Path.Combine(proc, "stat"), "cpu  4805 150 1170 16390 530 25 30 0 0\n");
        run.Clock.Epoch += 60;
        var second = run.Run(LinuxLite.Main);
        second.Stdout.Should().Be(
            "linux-lite.memory.avail\t2004799488\t1700000060\nlinux-lite.loadavg.per-cpu\t0.105\t1700000060\n" +
            "linux-lite.process.all\t5\t1700000060\nlinux-lite.process.running\t2\t1700000060\n" +
            "linux-lite.cpu-usage.cpu-user\t33.3333333333333\t1700000060\nlinux-lite.cpu-usage.cpu-nice\t0\t1700000060\n" +
            "linux-lite.cpu-usage.cpu-system\t16.6666666666667\t1700000060\nlinux-lite.cpu-usage.cpu-idle\t46.6666666666667\t1700000060\n" +
            "linux-lite.cpu-usage.cpu-iowait\t3.33333333333333\t1700000060\nlinux-lite.cpu-usage.cpu-irq\t0\t1700000060\n" +
            "linux-lite.cpu-usage.cpu-softirq\t0\t1700000060\nlinux-lite.cpu-usage.cpu-steal\t0\t1700000060\n" +
            "linux-lite.cpu-usage.cpu-guest\t0\t1700000060\nlinux-lite.cpu-usage.cpu-guest-nice\t0\t1700000060\n");
        run.Clock.Epoch += 60;
        run.Run(LinuxLite.Main).Stdout.Split('\n').Should().HaveCount(5, "an unchanged /proc/stat (total 0) prints no cpu-usage");
    }

    [Fact]
    public void Installed_binary_on_the_current_kernel_fixture()
    {
        _box.Env["PATH"] = FakePath;
        var r = _box.RunOn("linux-6.18", "mackerel-plugin-linux-lite");
        r.Exit.Should().Be(0);
        r.Lines.Select(l => l[..l.LastIndexOf('\t')]).Should().Equal(
            $"linux-lite.memory.avail\t{(22892456L + 1072048 + 1162200) * 1024}", "linux-lite.loadavg.per-cpu\t6.315",
            "linux-lite.process.all\t5", "linux-lite.process.running\t2");
    }

    [Fact]
    public void Fix_memory_fields_are_read_in_their_own_unit()
    {
        // The original multiplied by the unit written (kB/MB/GB, none = bytes); the port used to assume kB.
        var proc = _box.CopyFixture("linux-6.18");
        var meminfo = Path.Combine(proc, "meminfo");
        File.WriteAllText(meminfo, File.ReadAllText(meminfo)
            .Replace("MemFree:        22892456 kB", "MemFree:        2 MB")
            .Replace("Cached:          1072048 kB", "Cached:          1 GB")
            .Replace("Inactive:        1162200 kB", "Inactive:        4096"));
        _box.Env["PATH"] = FakePath;
        _box.Env["HOST_PROC"] = proc;
        var r = _box.Run("mackerel-plugin-linux-lite");
        r.Exit.Should().Be(0, r.ToString());
        r.Lines[0].Should().StartWith($"linux-lite.memory.avail\t{2L * 1024 * 1024 + 1024L * 1024 * 1024 + 4096}\t");
    }

    [Fact]
    public void Meta_json()
    {
        _box.Env["MACKEREL_AGENT_PLUGIN_META"] = "1";
        var r = _box.Run("mackerel-plugin-linux-lite");
        string cpu(string k) => $"{{\"name\":\"cpu-{k}\",\"label\":\"{k}\",\"stacked\":true,\"diff\":false}}";
        (r.Exit, r.Stdout).Should().Be((0, "# mackerel-agent-plugin\n{\"graphs\":{" +
            "\"linux-lite.memory\":{\"label\":\"LinuxLite Available memory\",\"unit\":\"bytes\",\"metrics\":[{\"name\":\"avail\",\"label\":\"avaiable memory\",\"stacked\":false,\"diff\":false}]}," +
            "\"linux-lite.loadavg\":{\"label\":\"LinuxLite Load Average per CPU\",\"unit\":\"float\",\"metrics\":[{\"name\":\"per-cpu\",\"label\":\"load average\",\"stacked\":false,\"diff\":false}]}," +
            "\"linux-lite.process\":{\"label\":\"LinuxLite Number of Processes\",\"unit\":\"integer\",\"metrics\":[{\"name\":\"all\",\"label\":\"all\",\"stacked\":false,\"diff\":false},{\"name\":\"running\",\"label\":\"running\",\"stacked\":false,\"diff\":false}]}," +
            "\"linux-lite.cpu-usage\":{\"label\":\"LinuxLite CPU Usage max 100%\",\"unit\":\"float\",\"metrics\":[" +
            string.Join(",", new[] { "guest-nice", "guest", "steal", "softirq", "irq", "iowait", "idle", "system", "nice", "user" }.Select(cpu)) + "]}}}\n"));
    }

    [Fact]
    public void Fix_a_missing_ps_is_UNKNOWN_naming_the_command()
    {
        _box.Env["PATH"] = _box.PathOf("empty");
        var r = _box.RunOn("linux-6.18", "mackerel-plugin-linux-lite");
        r.Exit.Should().Be(3);
        r.Lines.Should().ContainSingle().Which.Should().StartWith("UNKNOWN: mackerel-plugin-linux-lite: ").And.Contain("ps");
    }

    [Fact]
    public void Smoke_on_this_machine_twice()
    {
        _box.Run("mackerel-plugin-linux-lite").Lines.Should().HaveCount(4);
        Thread.Sleep(1100);
        var r = _box.Run("mackerel-plugin-linux-lite");
        r.Exit.Should().Be(0);
        r.Lines.Should().HaveCount(14).And.AllSatisfy(l => l.Should().MatchRegex(@"^linux-lite\.[-a-z]+\.[-a-z]+\t[-+.e\d]+\t\d+$"));
    }
}
