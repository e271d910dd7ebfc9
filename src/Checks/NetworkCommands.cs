using MetaCheck.Core;

namespace MetaCheck.Checks;

/// <summary>Network-facing plugins (check-tcp, DNS, TLS, HTTP). One line per plugin.</summary>
public static class NetworkCommands
{
    public static IReadOnlyList<CommandInfo> All { get; } =
    [
    ];
}
