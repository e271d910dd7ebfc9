using System.Globalization;
using System.Text.RegularExpressions;

namespace MetaCheck.Tests.Support;

/// <summary>One value of performance data as the monitoring-plugins guidelines define it.</summary>
public sealed partial record PerfItem(string Label, double Value, string Unit, string Warn, string Crit, string Min, string Max)
{
    /// <summary>
    /// Every `'label'=value[UOM];[warn];[crit];[min];[max]` of a performance data string. Throws when any
    /// part of the string is not such a value: a daemon's grapher would drop it.
    /// </summary>
    public static IReadOnlyList<PerfItem> ParseAll(string perfdata)
    {
        var items = new List<PerfItem>();
        int at = 0;
        foreach (Match m in Item().Matches(perfdata))
        {
            if (m.Index != at || (at > 0 && perfdata[at - 1] != ' '))
                throw new FormatException($"not performance data at {at}: '{perfdata}'");
            var label = m.Groups["quoted"].Success ? m.Groups["quoted"].Value.Replace("''", "'") : m.Groups["plain"].Value;
            items.Add(new PerfItem(label, double.Parse(m.Groups["value"].Value, CultureInfo.InvariantCulture), m.Groups["unit"].Value,
                m.Groups["warn"].Value, m.Groups["crit"].Value, m.Groups["min"].Value, m.Groups["max"].Value));
            at = m.Index + m.Length;
            while (at < perfdata.Length && perfdata[at] == ' ') at++;
        }
        if (at != perfdata.Length) throw new FormatException($"not performance data at {at}: '{perfdata}'");
        return items;
    }

    // UOMs of the guidelines only: none, s/ms/us, %, B/KB/MB/GB/TB, c.
    [GeneratedRegex(@"(?:'(?<quoted>(?:[^']|'')+)'|(?<plain>[^\s='|]+))=(?<value>-?\d+(?:\.\d+)?)(?<unit>s|ms|us|%|B|KB|MB|GB|TB|c)?" +
        @"(?:;(?<warn>[^;\s]*)(?:;(?<crit>[^;\s]*)(?:;(?<min>[^;\s]*)(?:;(?<max>[^;\s]*))?)?)?)?(?=\s|$)")]
    private static partial Regex Item();
}

/// <summary>
/// Runs checks under the real Icinga 2 and the real Nagios 4 the tests start, each with the host-wide
/// switch set the way docs/perfdata.md tells an admin to: Icinga 2 through each CheckCommand's
/// `env.METACHECK_PERFDATA`, Nagios through the daemon's environment (a systemd drop-in), which its
/// checks inherit. Gives back what each daemon kept of every check: state, output and performance data
/// (Icinga's `performance_data`, Nagios's $SERVICEPERFDATA$, both from their status.dat).
/// Icinga 2 runs its checks as the nagios user, Nagios 4 as root: peers must listen on loopback and
/// files the checks read must be readable by nagios.
/// </summary>
public static class PerfdataDaemons
{
    /// <param name="Name">Service name (letters, digits, `-`).</param>
    /// <param name="CommandLine">The command and its arguments; a bare command name is the installed one.</param>
    public sealed record Service(string Name, params string[] CommandLine);

    public sealed record Kept(int State, string Output, string Perfdata)
    {
        public IReadOnlyList<PerfItem> Values => PerfItem.ParseAll(Perfdata);
    }

    public sealed record Seen(IReadOnlyDictionary<string, Kept> Icinga, IReadOnlyDictionary<string, Kept> Nagios);

    /// <summary>Starts both daemons in sub-directories of <paramref name="dir"/>, runs every service once in each, stops them.</summary>
    public static Seen Run(string dir, IReadOnlyList<Service> services)
    {
        var icingaDir = Path.Combine(dir, "icinga");
        var nagiosDir = Path.Combine(dir, "nagios");
        Directory.CreateDirectory(icingaDir);
        Directory.CreateDirectory(nagiosDir);
        var icingaKept = new Dictionary<string, Kept>();
        using (var icinga = new IcingaDaemon(icingaDir, string.Concat(services.Select(IcingaObjects))))
        {
            foreach (var service in services)
            {
                var r = icinga.Check(service.Name, r => r.Output.Length > 0);
                icingaKept[service.Name] = new Kept(r.State, r.Output, r.Perfdata);
            }
        }
        var nagiosKept = new Dictionary<string, Kept>();
        using (var nagios = new NagiosDaemon(nagiosDir, string.Concat(services.Select(NagiosObjects)),
                   environment: env => env["METACHECK_PERFDATA"] = "1"))
        {
            foreach (var (name, s) in nagios.CheckAll([.. services.Select(s => s.Name)]))
                nagiosKept[name] = new Kept(s.State, s.Output, s.Perfdata);
        }
        return new Seen(icingaKept, nagiosKept);
    }

    private static string Resolve(string command) => command.Contains('/') ? command : Path.Combine(Installed.BinDir, command);

    private static string IcingaObjects(Service s)
    {
        // Icinga's DSL: `"` and `\` escaped; `$` starts a macro, `$$` is one dollar.
        static string Quote(string a) => "\"" + a.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("$", "$$") + "\"";
        var argv = string.Join(", ", s.CommandLine.Select((a, i) => Quote(i == 0 ? Resolve(a) : a)));
        return $"object CheckCommand \"{s.Name}\" {{ command = [ {argv} ]; env = {{ METACHECK_PERFDATA = \"1\" }} }}\n" +
               $"object Service \"{s.Name}\" {{ import \"forced\"; host_name = \"localhost\"; check_command = \"{s.Name}\" }}\n";
    }

    private static string NagiosObjects(Service s)
    {
        // Nagios runs a command line through /bin/sh when it holds shell characters: quote every word. `;`
        // starts a comment in its configuration and `$` a macro.
        static string Quote(string a) => ("'" + a.Replace("'", "'\\''") + "'").Replace("$", "$$").Replace(";", "\\;");
        var line = string.Join(' ', s.CommandLine.Select((a, i) => Quote(i == 0 ? Resolve(a) : a)));
        return $"define command {{\n  command_name {s.Name}\n  command_line {line}\n}}\n" +
               $"define service {{\n  use generic-service\n  host_name localhost\n  service_description {s.Name}\n  check_command {s.Name}\n}}\n";
    }
}
