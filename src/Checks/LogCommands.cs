using MetaCheck.Core;

namespace MetaCheck.Checks;

/// <summary>Access-log plugins. One line per plugin.</summary>
public static class LogCommands
{
    public static IReadOnlyList<CommandInfo> All { get; } =
    [
        new(AxslogLight.AxslogLight.Name, "nginx latency (request - upstream time) percentiles from LTSV access logs (ryuichi1208)", AxslogLight.AxslogLight.Main),
    ];
}
