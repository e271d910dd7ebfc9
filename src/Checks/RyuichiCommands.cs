using MetaCheck.Core;

namespace MetaCheck.Checks;

/// <summary>Ports of ryuichi1208's host plugins. One line per plugin.</summary>
public static class RyuichiCommands
{
    public static IReadOnlyList<CommandInfo> All { get; } =
    [
        new(LinuxNetstat.LinuxNetstat.Name, "TCP counters and TCP socket memory (ryuichi1208)", LinuxNetstat.LinuxNetstat.Main),
        new(LinuxMeminfo.LinuxMeminfo.Name, "every /proc/meminfo field worth graphing, in bytes (ryuichi1208)", LinuxMeminfo.LinuxMeminfo.Main),
        new(LinuxVirtMem.LinuxVirtMem.Name, "committed virtual memory and commit limit (ryuichi1208)", LinuxVirtMem.LinuxVirtMem.Main),
        new(LinuxTcpMemory.LinuxTcpMemory.Name, "TCP/UDP socket memory and kernel limits (ryuichi1208)", LinuxTcpMemory.LinuxTcpMemory.Main),
        new(LinuxSocketQueueSize.LinuxSocketQueueSize.Name, "SYN and accept queue of one TCP listener (ryuichi1208)", LinuxSocketQueueSize.LinuxSocketQueueSize.Main),
        new(CheckVirtmem.CheckVirtmem.Name, "alert when Committed_AS nears CommitLimit (ryuichi1208)", CheckVirtmem.CheckVirtmem.Main, CheckVirtmem.CheckVirtmem.OldName),
    ];
}
