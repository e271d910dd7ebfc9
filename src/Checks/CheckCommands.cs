using MetaCheck.Core;

namespace MetaCheck.Checks;

public static class CheckCommands
{
    public static IReadOnlyList<CommandInfo> All { get; } = [];
}
