using MetaCheck.Core;

namespace MetaCheck.Checks;

/// <summary>Tools that read the Mackerel API. One line per plugin.</summary>
public static class MackerelApiCommands
{
    public static IReadOnlyList<CommandInfo> All { get; } =
    [
        new(MackerelErrorbudgetCalculator.MackerelErrorbudgetCalculator.Name, "SLO error budget of a host metric over a service role, from the Mackerel API (ryuichi1208)", MackerelErrorbudgetCalculator.MackerelErrorbudgetCalculator.Main, MackerelErrorbudgetCalculator.MackerelErrorbudgetCalculator.OldName),
        new(MackerelLowUsagePolice.MackerelLowUsagePolice.Name, "report max/min/avg/p50/p90 per host of a service role, from the Mackerel API (ryuichi1208)", MackerelLowUsagePolice.MackerelLowUsagePolice.Main),
    ];
}
