using MetaCheck.Core;

namespace MetaCheck.Checks;

/// <summary>Ports of ryuichi1208's host plugins. One line per plugin.</summary>
public static class RyuichiCommands
{
    public static IReadOnlyList<CommandInfo> All { get; } =
    [
    ];
}
