using MetaCheck.Checks.Framework;
using MetaCheck.Checks.LinuxMeminfo;
using MetaCheck.Tests.Support;

namespace MetaCheck.Tests.Checks;

public sealed class LinuxMeminfoTests : IDisposable
{
    private readonly Sandbox _box = new();

    public void Dispose() => _box.Dispose();

    [Theory]
    [InlineData("Active(anon)", "Active_anon")]
    [InlineData("Inactive(file)", "Inactive_file")]
    [InlineData("Committed_AS", "Committed_AS")]
    public void Field_names_become_valid_metric_names(string field, string metric) => LinuxMeminfo.MetricName(field).Should().Be(metric);

    [Fact]
    public void Shared_parser_keeps_units_and_counts()
    {
        var m = MemInfo.Parse("MemTotal:  100 kB\nHugePages_Total:   3\nOdd: 2 MB\n\n", "f");
        m.Fields.Should().Equal(new MemInfoField("MemTotal", 100, "kB"), new MemInfoField("HugePages_Total", 3, ""), new MemInfoField("Odd", 2, "MB"));
        (m.Bytes("MemTotal"), m.Bytes("HugePages_Total"), m.Bytes("Odd"), m.Bytes("Nope")).Should().Be((102400.0, 3.0, 2097152.0, (double?)null));
    }

    [Fact]
    public void Old_kernel_without_MemAvailable_prints_what_it_has()
    {
        var r = _box.RunOn("linux-2.6.32", "mackerel-plugin-linux-meminfo");
        r.Exit.Should().Be(0);
        r.Lines.Select(l => l[..l.LastIndexOf('\t')]).Should().Equal(
            "meminfo.usage.MemTotal\t1968398336", "meminfo.usage.MemFree\t149434368", "meminfo.usage.Buffers\t184733696",
            "meminfo.usage.Cached\t1142243328", "meminfo.lru.Active_anon\t119717888", "meminfo.lru.Inactive_anon\t115167232",
            "meminfo.lru.Active_file\t728178688", "meminfo.lru.Inactive_file\t597954560", "meminfo.lru.Unevictable\t0",
            "meminfo.lru.Active\t847896576", "meminfo.lru.Inactive\t713121792", "meminfo.lru.Mlocked\t0",
            "meminfo.swap.SwapTotal\t4160745472", "meminfo.swap.SwapFree\t4160221184", "meminfo.swap.SwapCached\t135168",
            "meminfo.writeback.Dirty\t61440", "meminfo.writeback.Writeback\t0", "meminfo.writeback.WritebackTmp\t0",
            "meminfo.writeback.NFS_Unstable\t0", "meminfo.writeback.Bounce\t0", "meminfo.mapped.AnonPages\t233910272",
            "meminfo.mapped.Mapped\t37531648", "meminfo.mapped.Shmem\t843776", "meminfo.mapped.AnonHugePages\t136314880",
            "meminfo.kernel.Slab\t206749696", "meminfo.kernel.SReclaimable\t179892224", "meminfo.kernel.SUnreclaim\t26857472",
            "meminfo.kernel.KernelStack\t1474560", "meminfo.kernel.PageTables\t5050368", "meminfo.kernel.VmallocUsed\t156274688",
            "meminfo.kernel.HardwareCorrupted\t0", "meminfo.commit.CommitLimit\t5144576000", "meminfo.commit.Committed_AS\t4758732800",
            "meminfo.hugepages.HugePages_Total\t0", "meminfo.hugepages.HugePages_Free\t0", "meminfo.hugepages.HugePages_Rsvd\t0",
            "meminfo.hugepages.HugePages_Surp\t0");
    }

    [Fact]
    public void Current_kernel_prints_every_graphed_field_with_a_prefix()
    {
        var meminfo = MemInfo.Read(HostPaths.UnderRoot(Fixtures.Root("linux-6.18")));
        var r = _box.RunOn("linux-6.18", "mackerel-plugin-linux-meminfo", "-metric-key-prefix", "mem");
        r.Exit.Should().Be(0);
        var graphed = LinuxMeminfo.Groups.SelectMany(g => g.Fields.Select(f => (g.Key, f))).Where(x => meminfo[x.f] is not null).ToList();
        graphed.Should().HaveCount(47);
        r.Lines.Select(l => l[..l.LastIndexOf('\t')]).Should().Equal(
            graphed.Select(x => $"mem.{x.Key}.{LinuxMeminfo.MetricName(x.f)}\t{meminfo.Bytes(x.f)}"));
        r.Lines.Should().Contain(l => l.StartsWith("mem.usage.MemAvailable\t" + (meminfo.Number("MemAvailable") * 1024) + "\t"));
    }

    [Fact]
    public void Meta_json_has_every_group()
    {
        _box.Env["MACKEREL_AGENT_PLUGIN_META"] = "1";
        var r = _box.Run("mackerel-plugin-linux-meminfo");
        r.Exit.Should().Be(0);
        r.Stdout.Should().StartWith("# mackerel-agent-plugin\n{\"graphs\":{\"meminfo.commit\":{\"label\":\"Meminfo commit\",\"unit\":\"bytes\",\"metrics\":[" +
            "{\"name\":\"CommitLimit\",\"label\":\"CommitLimit\",\"stacked\":false},{\"name\":\"Committed_AS\",\"label\":\"Committed_AS\",\"stacked\":false}]},")
            .And.Contain("\"meminfo.hugepages\":{\"label\":\"Meminfo huge pages\",\"unit\":\"integer\",")
            .And.Contain("{\"name\":\"Active_anon\",\"label\":\"Active(anon)\",\"stacked\":false}");
    }

    [Fact]
    public void Fix_a_missing_meminfo_is_UNKNOWN_naming_the_file()
    {
        _box.Env["HOST_PROC"] = _box.PathOf("nowhere");
        var r = _box.Run("mackerel-plugin-linux-meminfo");
        (r.Exit, r.Stdout).Should().Be((3, $"UNKNOWN: mackerel-plugin-linux-meminfo: cannot read {_box.PathOf("nowhere")}/meminfo: no such file\n"));
    }

    [Fact]
    public void Smoke_on_this_machine()
    {
        var r = _box.Run("mackerel-plugin-linux-meminfo");
        r.Exit.Should().Be(0);
        r.Lines.Should().Contain(l => l.StartsWith("meminfo.usage.MemTotal\t")).And.AllSatisfy(l => l.Should().MatchRegex(@"^meminfo\.\w+\.\w+\t\d+\t\d+$"));
    }
}
