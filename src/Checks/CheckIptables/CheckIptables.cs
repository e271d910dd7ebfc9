using System.Net;
using System.Text.RegularExpressions;
using MetaCheck.Checks.Framework;
using MetaCheck.Core;

namespace MetaCheck.Checks.CheckIptables;

/// <summary>
/// kazeburo's check-iptables: a host with a global IPv4 address must have the iptables filter module
/// loaded, and a host without one must not.
/// </summary>
public static partial class CheckIptables
{
    public const string Name = "check-iptables";

    public static int Main(string[] args) => Main(args, PluginContext.System());

    public static int Main(string[] args, PluginContext context)
    {
        var verbose = Opt.Verbose();
        var definition = Cli.Define(Dialect.NoArguments, Name, "Alert when iptables filtering (iptable_filter) does not match whether the host has a global IPv4 address.",
            verbose);
        return Plugin.Check(definition, args, context, parsed =>
        {
            var global = GlobalIPv4(Tool.Output(context, "ip", "addr"));
            var modules = FilterModules(Tool.Output(context, "lsmod"));
            var result = Evaluate(global, modules);
            return parsed.GetValue(verbose) == 0 ? result : result with { Details = Details(global, modules) };
        });
    }

    /// <summary>Any `inet ADDR/LEN` line of `ip addr` whose address is not private, loopback, link-local or CGNAT.</summary>
    public static bool HasGlobalIPv4(string ipAddrOutput) => GlobalIPv4(ipAddrOutput).Count > 0;

    /// <summary>The global IPv4 addresses of `ip addr`, in its order.</summary>
    public static IReadOnlyList<string> GlobalIPv4(string ipAddrOutput)
    {
        var found = new List<string>();
        foreach (var line in ipAddrOutput.Split('\n'))
        {
            var words = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (words.Length < 2 || words[0] != "inet") continue;
            var address = words[1].Split('/')[0];
            if (InetAddress.TryParse(address, out var ip) && ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork && IsGlobal(ip))
                found.Add(address);
        }
        return found;
    }

    /// <summary>Not 10/8, 172.16/12, 192.168/16 (the original's list), nor 127/8, 169.254/16, 100.64/10, 0/8.</summary>
    public static bool IsGlobal(IPAddress ipv4)
    {
        var b = ipv4.GetAddressBytes();
        return !(b[0] == 10 || b[0] == 127 || b[0] == 0
                 || (b[0] == 172 && b[1] >= 16 && b[1] <= 31)
                 || (b[0] == 192 && b[1] == 168)
                 || (b[0] == 169 && b[1] == 254)
                 || (b[0] == 100 && b[1] >= 64 && b[1] <= 127));
    }

    /// <summary>lsmod lists iptable_filter or ip6table_filter (anywhere, as the original's grep did).</summary>
    public static bool FilterEnabled(string lsmodOutput) => FilterModule().IsMatch(lsmodOutput);

    /// <summary>The filter modules lsmod names (iptable_filter, ip6table_filter), each once.</summary>
    public static IReadOnlyList<string> FilterModules(string lsmodOutput) =>
        [.. FilterModule().Matches(lsmodOutput).Select(m => m.Value).Distinct()];

    /// <summary>
    /// Pure: the original's verdict, and the one figure it measured for performance data: how many global
    /// IPv4 addresses the host has (the module's presence is a yes/no, not a measurement).
    /// </summary>
    public static CheckResult Evaluate(IReadOnlyList<string> globalAddresses, IReadOnlyList<string> filterModules) =>
        Evaluate(globalAddresses.Count > 0, filterModules.Count > 0) with { Perfdata = [new PerfValue("global_ipv4", globalAddresses.Count, "", Min: 0)] };

    /// <summary>-v: what the verdict rests on.</summary>
    public static IReadOnlyList<string> Details(IReadOnlyList<string> globalAddresses, IReadOnlyList<string> filterModules) =>
    [
        globalAddresses.Count > 0 ? $"global IPv4: {string.Join(", ", globalAddresses)}" : "global IPv4: none (ip addr lists private, loopback, link-local or CGNAT addresses only)",
        filterModules.Count > 0 ? $"filter modules loaded: {string.Join(", ", filterModules)}" : "filter modules loaded: none (no iptable_filter or ip6table_filter in lsmod)",
    ];

    public static CheckResult Evaluate(bool hasGlobalIp, bool filterEnabled) => (hasGlobalIp, filterEnabled) switch
    {
        (true, true) => new(Status.Ok, "OK: have global-ip and iptables(iptable_filter) is enabled"),
        (true, false) => new(Status.Critical, "NG: have global-ip. but iptables(iptable_filter) is disabled"),
        (false, true) => new(Status.Critical, "NG: does not have global-ip. but iptables(iptable_filter) is enabled"),
        (false, false) => new(Status.Ok, "OK: does not have global-ip and iptables(iptable_filter) is disabled"),
    };

    [GeneratedRegex("ip6?table_filter")]
    private static partial Regex FilterModule();
}
