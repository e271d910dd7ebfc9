using MetaCheck.Core;

namespace MetaCheck.Checks;

/// <summary>Access-log plugins. One line per plugin.</summary>
public static class LogCommands
{
    public static IReadOnlyList<CommandInfo> All { get; } =
    [
    ];
}
