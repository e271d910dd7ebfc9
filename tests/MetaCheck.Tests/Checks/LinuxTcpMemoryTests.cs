using MetaCheck.Checks.Framework;
using MetaCheck.Checks.LinuxTcpMemory;
using MetaCheck.Tests.Support;

namespace MetaCheck.Tests.Checks;

public sealed class LinuxTcpMemoryTests : IDisposable
{
    private readonly Sandbox _box = new();
    private static readonly long Page = Environment.SystemPageSize;

    public void Dispose() => _box.Dispose();

    [Fact]
    public void Limits_are_three_page_counts()
    {
        LinuxTcpMemory.Limits("188211\t250951\t376422\n", "f").Should().Be((188211L, 250951L, 376422L));
        var act = () => LinuxTcpMemory.Limits("188211\t250951\n", "/p/sys/net/ipv4/tcp_mem");
        act.Should().Throw<DataSourceException>().WithMessage("cannot parse /p/sys/net/ipv4/tcp_mem: expected three page counts, got '188211\t250951'");
    }

    [Fact]
    public void Every_metric_on_an_old_kernel()
    {
        var r = _box.RunOn("linux-2.6.32", "mackerel-plugin-linux-tcp-memory");
        r.Exit.Should().Be(0);
        var e = r.Lines[0].Split('\t')[2];
        r.Stdout.Should().Be(
            $"linutTcp.tcpMem.tcp_memory_size\t{4 * Page}\t{e}\n" +
            $"linutTcp.tcpMemMin.tcp_memory_size_min\t{180000 * Page}\t{e}\n" +
            $"linutTcp.tcpMemPressure.tcp_memory_size_pressure\t{240000 * Page}\t{e}\n" +
            $"linutTcp.tcpMemMax.tcp_memory_size_max\t{360000 * Page}\t{e}\n" +
            $"linutTcp.udpMem.udp_memory_size\t{2 * Page}\t{e}\n" +
            $"linutTcp.udpMemMin.udp_memory_size_min\t{360000 * Page}\t{e}\n" +
            $"linutTcp.udpPressure.udp_memory_size_pressure\t{480000 * Page}\t{e}\n" +
            $"linutTcp.udpMemMax.udp_memory_size_max\t{720000 * Page}\t{e}\n");
    }

    [Fact]
    public void Current_kernel_values()
    {
        var r = _box.RunOn("linux-6.18", "mackerel-plugin-linux-tcp-memory");
        r.Exit.Should().Be(0);
        r.Lines.Select(l => l[..l.LastIndexOf('\t')]).Should().Equal(
            $"linutTcp.tcpMem.tcp_memory_size\t{100 * Page}", $"linutTcp.tcpMemMin.tcp_memory_size_min\t{287901 * Page}",
            $"linutTcp.tcpMemPressure.tcp_memory_size_pressure\t{383868 * Page}", $"linutTcp.tcpMemMax.tcp_memory_size_max\t{575802 * Page}",
            "linutTcp.udpMem.udp_memory_size\t0", $"linutTcp.udpMemMin.udp_memory_size_min\t{575802 * Page}",
            $"linutTcp.udpPressure.udp_memory_size_pressure\t{767736 * Page}", $"linutTcp.udpMemMax.udp_memory_size_max\t{1151604 * Page}");
    }

    [Fact]
    public void Meta_json_matches_the_original()
    {
        _box.Env["MACKEREL_AGENT_PLUGIN_META"] = "1";
        var r = _box.Run("mackerel-plugin-linux-tcp-memory");
        string g(string key, string label, string metric, string mlabel) =>
            $"\"linutTcp.{key}\":{{\"label\":\"{label}\",\"unit\":\"integer\",\"metrics\":[{{\"name\":\"{metric}\",\"label\":\"{mlabel}\",\"stacked\":false}}]}}";
        (r.Exit, r.Stdout).Should().Be((0, "# mackerel-agent-plugin\n{\"graphs\":{" + string.Join(",",
            g("tcpMem", "Linux Tcp Memory", "tcp_memory_size", "tcp_memory"),
            g("tcpMemMax", "Linux Tcp Memory", "tcp_memory_size_max", "tcp_memory"),
            g("tcpMemMin", "Linux Tcp Memory", "tcp_memory_size_min", "tcp_memory"),
            g("tcpMemPressure", "Linux Tcp Memory", "tcp_memory_size_pressure", "tcp_memory"),
            g("udpMem", "Linux udp Memory", "udp_memory_size", "udp_memory"),
            g("udpMemMax", "Linux udp Memory", "udp_memory_size_max", "udp_memory"),
            g("udpMemMin", "Linux udp Memory", "udp_memory_size_min", "udp_memory"),
            g("udpPressure", "Linux udp Memory", "udp_memory_size_pressure", "udp_memory")) + "}}\n"));
    }

    [Fact]
    public void Fix_a_missing_limit_file_is_UNKNOWN_naming_it()
    {
        var proc = _box.CopyFixture("linux-2.6.32");
        File.Delete(Path.Combine(proc, "sys/net/ipv4/udp_mem"));
        _box.Env["HOST_PROC"] = proc;
        var r = _box.Run("mackerel-plugin-linux-tcp-memory");
        (r.Exit, r.Stdout).Should().Be((3, $"UNKNOWN: mackerel-plugin-linux-tcp-memory: cannot read {proc}/sys/net/ipv4/udp_mem: no such file\n"));
    }

    [Fact]
    public void Fix_a_missing_sockstat_is_UNKNOWN_not_a_panic()
    {
        var proc = _box.CopyFixture("linux-2.6.32");
        File.Delete(Path.Combine(proc, "net/sockstat"));
        _box.Env["HOST_PROC"] = proc;
        var r = _box.Run("mackerel-plugin-linux-tcp-memory");
        (r.Exit, r.Stdout).Should().Be((3, $"UNKNOWN: mackerel-plugin-linux-tcp-memory: cannot read {proc}/net/sockstat: no such file\n"));
    }

    [Fact]
    public void Smoke_on_this_machine()
    {
        var r = _box.Run("mackerel-plugin-linux-tcp-memory");
        r.Exit.Should().Be(0);
        r.Lines.Should().HaveCount(8).And.AllSatisfy(l => l.Should().MatchRegex(@"^linutTcp\.\w+\.\w+\t\d+\t\d+$"));
    }
}
