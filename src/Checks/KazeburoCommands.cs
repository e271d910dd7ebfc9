using MetaCheck.Core;

namespace MetaCheck.Checks;

/// <summary>Ports of kazeburo/custom-mackerel-plugins (host-local ones). One line per plugin.</summary>
public static class KazeburoCommands
{
    public static IReadOnlyList<CommandInfo> All { get; } =
    [
        new(CheckUptime.CheckUptime.Name, "alert when the host rebooted recently (kazeburo)", CheckUptime.CheckUptime.Main),
        new(CheckConntrackFree.CheckConntrackFree.Name, "alert when the conntrack table is nearly full (kazeburo)", CheckConntrackFree.CheckConntrackFree.Main),
        new(CheckInode.CheckInode.Name, "alert on inode usage of mounted filesystems (kazeburo)", CheckInode.CheckInode.Main),
        new(CheckIptables.CheckIptables.Name, "alert when iptables filtering does not match having a global IP (kazeburo)", CheckIptables.CheckIptables.Main),
        new(MackerelPluginNtpq.MackerelPluginNtpq.Name, "NTP sync state and offset metrics from chronyc or ntpq (kazeburo)", MackerelPluginNtpq.MackerelPluginNtpq.Main),
        new(MackerelPluginPostfix.MackerelPluginPostfix.Name, "Postfix queue length metric (kazeburo)", MackerelPluginPostfix.MackerelPluginPostfix.Main),
        new(MackerelPluginPhpVersion.MackerelPluginPhpVersion.Name, "PHP version metric, via php -r (kazeburo)", MackerelPluginPhpVersion.MackerelPluginPhpVersion.Main),
        new(LinuxLite.LinuxLite.Name, "memory, load per CPU, processes, CPU usage (kazeburo)", LinuxLite.LinuxLite.Main),
    ];
}
