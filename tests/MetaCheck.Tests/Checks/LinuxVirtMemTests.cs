using MetaCheck.Checks.Framework;
using MetaCheck.Checks.LinuxVirtMem;
using MetaCheck.Tests.Support;

namespace MetaCheck.Tests.Checks;

public sealed class LinuxVirtMemTests : IDisposable
{
    private readonly Sandbox _box = new();

    public void Dispose() => _box.Dispose();

    [Theory]
    [InlineData(null, "VirtualMemory")]
    [InlineData("", "virtmem")]
    [InlineData("vm", "vm")]
    public void Prefix_defaults_as_the_original(string? option, string prefix) => LinuxVirtMem.EffectivePrefix(option).Should().Be(prefix);

    [Fact]
    public void Prints_both_values_in_bytes_on_an_old_kernel()
    {
        var r = _box.RunOn("linux-2.6.32", "mackerel-plugin-linux-virt-mem");
        r.Exit.Should().Be(0);
        var epoch = r.Lines[0].Split('\t')[2];
        r.Stdout.Should().Be($"VirtualMemory.CommittedAS\t4758732800\t{epoch}\nVirtualMemory.CommitLimit\t5144576000\t{epoch}\n");
    }

    [Fact]
    public void Prints_both_values_with_a_prefix_on_a_current_kernel()
    {
        var r = _box.RunOn("linux-6.18", "mackerel-plugin-linux-virt-mem", "-metric-key-prefix", "vm");
        r.Exit.Should().Be(0);
        var epoch = r.Lines[0].Split('\t')[2];
        r.Stdout.Should().Be($"vm.CommittedAS\t{2415040L * 1024}\t{epoch}\nvm.CommitLimit\t{12342044L * 1024}\t{epoch}\n");
    }

    [Fact]
    public void Meta_json_matches_the_original()
    {
        _box.Env["MACKEREL_AGENT_PLUGIN_META"] = "1";
        var r = _box.Run("mackerel-plugin-linux-virt-mem");
        (r.Exit, r.Stdout).Should().Be((0, "# mackerel-agent-plugin\n{\"graphs\":{\"VirtualMemory\":{\"label\":\"VirtualMemory\",\"unit\":\"bytes\",\"metrics\":[" +
            "{\"name\":\"CommittedAS\",\"label\":\"Committed_AS\",\"stacked\":false},{\"name\":\"CommitLimit\",\"label\":\"CommitLimit\",\"stacked\":false}]}}}\n"));
    }

    [Fact]
    public void Fix_a_missing_meminfo_is_UNKNOWN_naming_the_file()
    {
        _box.Env["HOST_PROC"] = _box.PathOf("nowhere");
        var r = _box.Run("mackerel-plugin-linux-virt-mem");
        (r.Exit, r.Stdout).Should().Be((3, $"UNKNOWN: mackerel-plugin-linux-virt-mem: cannot read {_box.PathOf("nowhere")}/meminfo: no such file\n"));
    }

    [Fact]
    public void Fix_a_malformed_meminfo_line_is_UNKNOWN_with_the_line()
    {
        var act = () => MemInfo.Parse("MemTotal: 10 kB\nCommitLimit: lots kB\n", "/p/meminfo");
        act.Should().Throw<DataSourceException>().WithMessage("cannot parse /p/meminfo line 2: 'CommitLimit: lots kB'");
    }

    [Fact]
    public void Smoke_on_this_machine()
    {
        var r = _box.Run("mackerel-plugin-linux-virt-mem");
        r.Exit.Should().Be(0);
        r.Stdout.Should().MatchRegex(@"^VirtualMemory\.CommittedAS\t\d+\t\d+\nVirtualMemory\.CommitLimit\t\d+\t\d+\n$");
    }
}
