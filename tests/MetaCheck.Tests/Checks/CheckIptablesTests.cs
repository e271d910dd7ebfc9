using System.Diagnostics;
using System.Net;
using MetaCheck.Checks.CheckIptables;
using MetaCheck.Checks.Framework;
using MetaCheck.Core;
using MetaCheck.Tests.Support;

namespace MetaCheck.Tests.Checks;

public sealed class CheckIptablesTests : IDisposable
{
    private const string GlobalEnabled = "OK: have global-ip and iptables(iptable_filter) is enabled";
    private const string GlobalDisabled = "NG: have global-ip. but iptables(iptable_filter) is disabled";
    private const string PrivateEnabled = "NG: does not have global-ip. but iptables(iptable_filter) is enabled";
    private const string PrivateDisabled = "OK: does not have global-ip and iptables(iptable_filter) is disabled";
    private readonly Sandbox _box = new();

    public void Dispose() => _box.Dispose();

    [Theory]
    [InlineData("192.0.2.2", true)]
    [InlineData("203.0.113.7", true)]
    [InlineData("172.32.0.1", true)]
    [InlineData("172.15.255.1", true)]
    [InlineData("100.128.0.1", true)]
    [InlineData("10.1.2.3", false)]
    [InlineData("172.16.0.1", false)]
    [InlineData("172.31.255.254", false)]
    [InlineData("192.168.1.10", false)]
    [InlineData("127.0.0.1", false)]
    [InlineData("127.0.1.1", false)]
    [InlineData("169.254.169.254", false)]
    [InlineData("100.64.0.1", false)]
    public void Global_means_not_private_loopback_link_local_or_cgnat(string address, bool global) =>
        CheckIptables.IsGlobal(IPAddress.Parse(address)).Should().Be(global);

    [Fact]
    public void Reads_ipv4_addresses_of_real_ip_addr_output()
    {
        CheckIptables.HasGlobalIPv4(FakeCommands.ReadFixture("iptables-outputs/ip-addr-container.txt")).Should().BeTrue();
        CheckIptables.HasGlobalIPv4(FakeCommands.ReadFixture("iptables-outputs/ip-addr-private-only.txt")).Should().BeFalse();
        CheckIptables.HasGlobalIPv4("    inet6 2001:db8::1/64 scope global\n    inet 127.0.1.1/8 scope host lo\n").Should().BeFalse();
    }

    [Theory]
    [InlineData("iptables-outputs/lsmod-iptables.txt", true)]
    [InlineData("iptables-outputs/lsmod-ip6tables-only.txt", true)]
    [InlineData("iptables-outputs/lsmod-no-filter.txt", false)]
    public void Filter_module_is_iptable_filter_or_ip6table_filter(string lsmod, bool enabled) =>
        CheckIptables.FilterEnabled(FakeCommands.ReadFixture(lsmod)).Should().Be(enabled);

    [Theory]
    [InlineData(true, true, Status.Ok, GlobalEnabled)]
    [InlineData(true, false, Status.Critical, GlobalDisabled)]
    [InlineData(false, true, Status.Critical, PrivateEnabled)]
    [InlineData(false, false, Status.Ok, PrivateDisabled)]
    public void Four_cases(bool global, bool enabled, Status status, string text) =>
        CheckIptables.Evaluate(global, enabled).Should().Be(new CheckResult(status, text));

    [Theory]
    [InlineData("ip-addr-container.txt", "lsmod-iptables.txt", 0, GlobalEnabled)]
    [InlineData("ip-addr-container.txt", "lsmod-no-filter.txt", 2, GlobalDisabled)]
    [InlineData("ip-addr-private-only.txt", "lsmod-ip6tables-only.txt", 2, PrivateEnabled)]
    [InlineData("ip-addr-private-only.txt", "lsmod-no-filter.txt", 0, PrivateDisabled)]
    public void Fake_ip_and_lsmod_through_the_binary(string ip, string lsmod, int exit, string line)
    {
        _box.FakeCommand("ip", "addr", "iptables-outputs/" + ip);
        _box.FakeCommand("lsmod", "", "iptables-outputs/" + lsmod);
        var r = _box.Run("check-iptables");
        (r.Exit, r.Stdout).Should().Be((exit, line + "\n"));
    }

    [Fact]
    public void Perfdata_mode_counts_the_global_addresses()
    {
        _box.FakeCommand("ip", "addr", "iptables-outputs/ip-addr-container.txt");
        _box.FakeCommand("lsmod", "", "iptables-outputs/lsmod-no-filter.txt");
        var r = _box.Run("check-iptables", "--perfdata");
        (r.Exit, r.Stdout).Should().Be((2, GlobalDisabled + " | global_ipv4=1;;;0\n"));
        _box.FakeCommand("ip", "addr", "iptables-outputs/ip-addr-private-only.txt");
        _box.Env["METACHECK_PERFDATA"] = "1";
        r = _box.Run("check-iptables");
        (r.Exit, r.Stdout).Should().Be((0, PrivateDisabled + " | global_ipv4=0;;;0\n"));
    }

    [Fact]
    public void Verbose_names_the_addresses_and_modules_the_verdict_rests_on()
    {
        _box.FakeCommand("ip", "addr", "iptables-outputs/ip-addr-container.txt");
        _box.FakeCommand("lsmod", "", "iptables-outputs/lsmod-iptables.txt");
        var r = _box.Run("check-iptables", "-v");
        (r.Exit, r.Stdout, r.Stderr).Should().Be((0, GlobalEnabled + "\nglobal IPv4: 192.0.2.2\nfilter modules loaded: iptable_filter\n", ""));
        _box.FakeCommand("ip", "addr", "iptables-outputs/ip-addr-private-only.txt");
        _box.FakeCommand("lsmod", "", "iptables-outputs/lsmod-no-filter.txt");
        r = _box.Run("check-iptables", "--verbose");
        (r.Exit, r.Stdout).Should().Be((0, PrivateDisabled + "\nglobal IPv4: none (ip addr lists private, loopback, link-local or CGNAT addresses only)\n" +
            "filter modules loaded: none (no iptable_filter or ip6table_filter in lsmod)\n"));
        r = _box.Run("check-iptables", "extra");
        (r.Exit, r.Stdout, r.Stderr).Should().Be((0, PrivateDisabled + "\n", "check-iptables: ignored 'extra'\n"), "other arguments are still ignored, as by the original");
    }

    [Fact]
    public void Real_ip_addr_with_a_fake_lsmod()
    {
        var info = new ProcessStartInfo("ip", "addr") { RedirectStandardOutput = true, UseShellExecute = false };
        using var ip = Process.Start(info)!;
        bool global = CheckIptables.HasGlobalIPv4(ip.StandardOutput.ReadToEnd());
        ip.WaitForExit();

        _box.FakeCommand("lsmod", "", "iptables-outputs/lsmod-no-filter.txt");
        var r = _box.Run("check-iptables");
        (r.Exit, r.Stdout).Should().Be(global ? (2, GlobalDisabled + "\n") : (0, PrivateDisabled + "\n"));
    }

    [Fact]
    public void Smoke_with_the_real_ip_and_lsmod_on_this_machine()
    {
        var r = _box.Run("check-iptables");
        if (File.Exists("/proc/modules"))
        {
            r.Stdout.Should().MatchRegex(@"^(OK|NG): (have|does not have) global-ip");
        }
        else
        {
            // In a container without /proc/modules the real lsmod fails; that is UNKNOWN, not "disabled".
            (r.Exit, r.Stdout).Should().Be((3,
                "UNKNOWN: check-iptables: lsmod failed (exit 1): libkmod: ERROR ../libkmod/libkmod-module.c:1725 kmod_module_new_from_loaded: could not open /proc/modules: No such file or directory\n"));
        }
    }

    [Fact]
    public void Fix_missing_ip_or_lsmod_is_UNKNOWN_not_a_guess()
    {
        _box.UseFakePath(systemPath: false);
        var r = _box.Run("check-iptables");
        r.Exit.Should().Be(3);
        r.Stdout.Should().StartWith("UNKNOWN: check-iptables: cannot run 'ip': not found in PATH");
        r.Lines.Should().HaveCount(1);

        _box.FakeCommand("ip", "addr", "iptables-outputs/ip-addr-container.txt");
        r = _box.Run("check-iptables");
        r.Exit.Should().Be(3);
        r.Stdout.Should().StartWith("UNKNOWN: check-iptables: cannot run 'lsmod': not found in PATH");
    }

    [Fact]
    public void Works_as_an_inner_command_of_delay_checker()
    {
        _box.FakeCommand("ip", "addr", "iptables-outputs/ip-addr-container.txt");
        _box.FakeCommand("lsmod", "", "iptables-outputs/lsmod-no-filter.txt");
        _box.Run("delay-checker", "-c", "2", "--", "check-iptables").Stdout.Should().Be($"DelayWarn(1/2): {GlobalDisabled}\n");
        var alert = _box.Run("delay-checker", "-c", "2", "--", "check-iptables");
        (alert.Exit, alert.Stdout).Should().Be((2, $"DelayNG(2/2): {GlobalDisabled}\n"));
    }
}
