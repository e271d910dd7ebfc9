using MetaCheck.Core;

namespace MetaCheck.Checks;

/// <summary>Every bundled plugin, by command name (old names as aliases).</summary>
public static class CheckCommands
{
    public static IReadOnlyList<CommandInfo> All { get; } = [.. KazeburoCommands.All, .. RyuichiCommands.All, .. NetworkCommands.All, .. TlsCommands.All, .. ServiceCommands.All, .. LogCommands.All, .. MackerelApiCommands.All, .. MySqlCommands.All];
}
