using MetaCheck.Core;

namespace MetaCheck.Checks;

/// <summary>Network-facing plugins (check-tcp, DNS, TLS, HTTP). One line per plugin.</summary>
public static class NetworkCommands
{
    public static IReadOnlyList<CommandInfo> All { get; } =
    [
        new(CheckTcp.CheckTcp.Name, "check a TCP port or Unix socket: connect, send, expect, response time (Mackerel)", CheckTcp.CheckTcp.Main),
    ];
}
