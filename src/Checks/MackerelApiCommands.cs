using MetaCheck.Core;

namespace MetaCheck.Checks;

/// <summary>Tools that read the Mackerel API. One line per plugin.</summary>
public static class MackerelApiCommands
{
    public static IReadOnlyList<CommandInfo> All { get; } =
    [
    ];
}
