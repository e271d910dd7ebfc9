using MetaCheck.Core;

namespace MetaCheck.Checks;

/// <summary>Plugins that watch a service's own status API or the network stack (hydra, gaurun, UDP, my IP). One line per plugin.</summary>
public static class ServiceCommands
{
    public static IReadOnlyList<CommandInfo> All { get; } =
    [
        new(CheckHydraPos.CheckHydraPos.Name, "alert when fluent-agent-hydra stops advancing in a tailed file (kazeburo)", CheckHydraPos.CheckHydraPos.Main),
        new(MackerelPluginGaurunUsage.MackerelPluginGaurunUsage.Name, "Gaurun push server queue usage and push rates (kazeburo)", MackerelPluginGaurunUsage.MackerelPluginGaurunUsage.Main),
        new(CheckDdosUdp.CheckDdosUdp.Name, "alert on UDP receive errors, buffer drops and floods from /proc/net (ryuichi1208, designed)", CheckDdosUdp.CheckDdosUdp.Main),
        new(CheckMyip.CheckMyip.Name, "the host's source address towards a peer, optionally checked against --expect (kazeburo)", CheckMyip.CheckMyip.Main),
    ];
}
