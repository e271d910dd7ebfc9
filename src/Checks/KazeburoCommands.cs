using MetaCheck.Core;

namespace MetaCheck.Checks;

/// <summary>Ports of kazeburo/custom-mackerel-plugins (host-local ones). One line per plugin.</summary>
public static class KazeburoCommands
{
    public static IReadOnlyList<CommandInfo> All { get; } =
    [
        new(CheckUptime.CheckUptime.Name, "alert when the host rebooted recently (kazeburo)", CheckUptime.CheckUptime.Main),
    ];
}
