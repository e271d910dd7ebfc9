using MetaCheck.Core;

namespace MetaCheck.Checks;

/// <summary>Every bundled plugin, by command name (old names as aliases). One line per plugin.</summary>
public static class CheckCommands
{
    public static IReadOnlyList<CommandInfo> All { get; } =
    [
        new(CheckUptime.CheckUptime.Name, "alert when the host rebooted recently (kazeburo)", CheckUptime.CheckUptime.Main),
    ];
}
