namespace MetaCheck;

/// <summary>
/// What a man page needs beyond `--help`: the environment a command reads, the files behind it, and
/// examples for commands whose help has none. scripts/manpages.sh asks for it with
/// `metacheck --manual NAME` and takes everything else (synopsis, description, options) from --help,
/// so no option text is kept twice. A test checks that every command has an entry.
/// </summary>
internal static class CommandManual
{
    [Flags]
    private enum Reads
    {
        Nothing = 0,
        Store = 1,       // run history or a counter's previous sample
        KeepRuns = 2,
        HostProc = 4,
        HostEtc = 8,
        GraphMeta = 16,  // a metric plugin: mackerel-agent asks for its graph definitions
        MackerelApi = 32,
        TimeZone = 64,
        Color = 128,
        ReportsHostPaths = 256, // doctor only shows them
        Perfdata = 512,  // every check-* command (see Print)
    }

    private sealed record Entry(Reads Reads, params string[] Examples);

    private static readonly (Reads Flag, string Name, string Text)[] Variables =
    [
        (Reads.Store, "METACHECK_STATE_DIR", "Directory of the run-history store; --state-dir overrides it."),
        (Reads.Store, "MACKEREL_PLUGIN_WORKDIR", "Set by mackerel-agent. Without METACHECK_STATE_DIR each user's store is $MACKEREL_PLUGIN_WORKDIR/metacheck/<uid>."),
        (Reads.KeepRuns, "METACHECK_KEEP_RUNS", "Runs kept per check in the history when --keep-runs is not given (default 1000)."),
        (Reads.HostProc, "HOST_PROC", "Read /proc below this directory instead (a host's /proc mounted into a container)."),
        (Reads.HostEtc, "HOST_ETC", "Read /etc (resolv.conf) below this directory instead."),
        (Reads.GraphMeta, "MACKEREL_AGENT_PLUGIN_META", "Set by mackerel-agent at start: print the graph definitions (JSON) instead of values."),
        (Reads.ReportsHostPaths, "HOST_PROC, HOST_SYS, HOST_ETC", "Shown when set: the plugins read /proc, /sys and /etc below them."),
        (Reads.MackerelApi, "MACKEREL_APIKEY", "Mackerel API key when --apikey is not given (MACKEREL_TOKEN is read if it is unset)."),
        (Reads.TimeZone, "TZ", "Time zone of the windows when --tz is not given."),
        (Reads.Color, "NO_COLOR", "When set, no colours even on a terminal."),
        (Reads.Perfdata, "METACHECK_PERFDATA", "When set and not 0: append Nagios performance data, as --perfdata does (docs/perfdata.md)."),
    ];

    private static readonly (Reads Flag, string Path, string Text)[] Files =
    [
        (Reads.Store, "/var/lib/metacheck/metacheck.db", "The store of root's runs (created by the package, mode 0700)."),
        (Reads.Store, "~/.local/state/metacheck/metacheck.db", "The store of any other user's runs."),
        (Reads.HostProc, "/proc", "What the plugin reads from the kernel (below $HOST_PROC when set)."),
        (Reads.HostEtc, "/etc/resolv.conf", "Name servers and options used when no server is given (below $HOST_ETC when set)."),
    ];

    private const Reads Wrapper = Reads.Store | Reads.KeepRuns;
    private const Reads Metrics = Reads.GraphMeta;
    private const Reads ProcMetrics = Reads.GraphMeta | Reads.HostProc;

    private static readonly Dictionary<string, Entry> Entries = new(StringComparer.Ordinal)
    {
        ["metacheck"] = new(Reads.Nothing, "metacheck check-uptime -w 1800 -c 600\tRun a plugin by name without its link."),
        ["delay-checker"] = new(Wrapper,
            "delay-checker -c 3 --within 5 -- check-tcp -H web1 -p 80\tAlert when 3 of the last 5 runs failed, for a check that fails every other run."),
        ["interval-checker"] = new(Wrapper,
            "interval-checker --interval 6h --timeout 50 -- check-inode -w 80 -c 90\tA heavy check at most every 6 hours; mackerel-agent's check_interval stops at 60 minutes."),
        ["periodic-checker"] = new(Wrapper | Reads.TimeZone,
            "periodic-checker --tz Asia/Tokyo --ranges Mon-Fri@09:00-18:00 -- delay-checker -c 2 -- check-resolver -w 0.5 -c 1 --host example.com\tWrappers compose: office hours only, and only after 2 slow answers in a row."),
        ["status"] = new(Reads.Store | Reads.Color, "metacheck status\tEvery check the wrappers ran, with its streak and last result.", "metacheck status --json\tThe same as JSON."),
        ["history"] = new(Reads.Store | Reads.Color),
        ["reset"] = new(Reads.Store, "metacheck reset db1\tAfter a fix: clear the streak and alert of the check named db1 (an --identifier, an id or part of its command)."),
        ["forget"] = new(Reads.Store),
        ["prune"] = new(Reads.Store, "metacheck prune --older-than 30d\tDrop every check not run for 30 days."),
        ["mute"] = new(Reads.Store, "metacheck mute --for 30m --reason 'deploy web'\tReport every check of this store OK for 30 minutes; they still run."),
        ["unmute"] = new(Reads.Store),
        ["metrics"] = new(Reads.Store | Reads.GraphMeta, "metacheck metrics\tOne line per check and metric, as mackerel-agent reads a metric plugin.",
            "metacheck metrics --format prometheus --output /var/lib/prometheus/node-exporter/metacheck.prom\tThe same for node_exporter's textfile collector (from a timer, every minute)."),
        ["doctor"] = new(Reads.Store | Reads.KeepRuns | Reads.ReportsHostPaths | Reads.GraphMeta | Reads.TimeZone, "metacheck doctor\tSay what to fix in this installation; exits 0, 1 or 2 like a check."),
        ["check-uptime"] = new(Reads.HostProc),
        ["check-conntrack-free"] = new(Reads.HostProc),
        ["check-inode"] = new(Reads.Nothing),
        ["check-iptables"] = new(Reads.Nothing, "check-iptables\tCRITICAL when a host with a global IPv4 address has no iptables filter table loaded."),
        ["check-virtmem"] = new(Reads.HostProc),
        ["check-tcp"] = new(Reads.Nothing),
        ["check-dns-rr"] = new(Reads.HostEtc),
        ["check-resolver"] = new(Reads.HostEtc),
        ["check-crt-expiration"] = new(Reads.Nothing),
        ["check-ssl-validate"] = new(Reads.Nothing),
        ["check-dos-tls12"] = new(Reads.Nothing),
        ["check-hydra-pos"] = new(Reads.Store),
        ["check-ddos-udp"] = new(Reads.Store | Reads.HostProc),
        ["check-myip"] = new(Reads.Nothing),
        ["check-longtransaction-cnt"] = new(Reads.Nothing),
        ["check-mysql-backup"] = new(Reads.Nothing),
        ["mackerel-plugin-ntpq"] = new(ProcMetrics, "mackerel-plugin-ntpq\tSynchronisation and offset from chronyc, or ntpq when chronyd is not running."),
        ["mackerel-plugin-postfix"] = new(Metrics, "mackerel-plugin-postfix\tMessages in the Postfix queue; run it as root (the spool is private)."),
        ["mackerel-plugin-php-version"] = new(Metrics, "mackerel-plugin-php-version\tThe PHP_VERSION_ID of the php on PATH."),
        ["mackerel-plugin-linux-lite"] = new(ProcMetrics | Reads.Store, "mackerel-plugin-linux-lite\tMemory, load and CPU usage; CPU usage needs the previous sample, so the first run prints no CPU values."),
        ["mackerel-plugin-linux-netstat"] = new(ProcMetrics | Reads.Store, "mackerel-plugin-linux-netstat -extend\tAll graphs, with the Go flag spelling mackerel-agent.conf files use."),
        ["mackerel-plugin-linux-meminfo"] = new(ProcMetrics, "mackerel-plugin-linux-meminfo --metric-key-prefix mem\tEvery /proc/meminfo field under custom.mem.*."),
        ["mackerel-plugin-linux-virt-mem"] = new(ProcMetrics, "mackerel-plugin-linux-virt-mem\tCommitted_AS and CommitLimit."),
        ["mackerel-plugin-linux-tcp-memory"] = new(ProcMetrics, "mackerel-plugin-linux-tcp-memory\tTCP and UDP socket memory against the kernel's limits."),
        ["mackerel-plugin-linux-socket-queue-size"] = new(ProcMetrics),
        ["mackerel-plugin-dns-lookup"] = new(Metrics),
        ["mackerel-plugin-dns-healthcheck"] = new(Metrics | Reads.HostEtc),
        ["mackerel-plugin-sslhandshake-time"] = new(Metrics),
        ["mackerel-plugin-gaurun-usage"] = new(Metrics | Reads.Store),
        ["mackerel-plugin-axslog-light"] = new(Metrics | Reads.Store),
        ["mackerel-plugin-errorbudget-calculator"] = new(Metrics | Reads.MackerelApi),
        ["mackerel-low-usage-police"] = new(Reads.MackerelApi),
        ["mackerel-plugin-mysql-extend"] = new(Metrics | Reads.Store,
            "mackerel-plugin-mysql-extend --defaults-file /etc/mackerel-agent/mysql-monitor.cnf\tCredentials from a 0600 option file, never on the command line."),
    };

    /// <summary>Commands whose --version prints their original's version line, as the original did.</summary>
    public static bool PrintsOwnVersion(string name) =>
        name == Checks.MackerelErrorbudgetCalculator.MackerelErrorbudgetCalculator.Name;

    /// <summary>
    /// `metacheck --manual NAME`: one line per item, tab-separated: `env NAME TEXT`, `file PATH TEXT`,
    /// `example COMMAND-LINE TEXT`. Exit 3 for a command without an entry.
    /// </summary>
    public static int Print(string name)
    {
        if (!Entries.TryGetValue(name, out var entry))
        {
            Console.WriteLine($"UNKNOWN: metacheck: no manual entry for '{name}'");
            return 3;
        }
        // Every check takes --perfdata (Plugin.Check adds it), so every check reads the host-wide switch.
        var reads = entry.Reads | (name.StartsWith("check-", StringComparison.Ordinal) ? Reads.Perfdata : Reads.Nothing);
        foreach (var (flag, variable, text) in Variables)
            if ((reads & flag) != 0) Console.WriteLine($"env\t{variable}\t{text}");
        foreach (var (flag, path, text) in Files)
            if ((reads & flag) != 0) Console.WriteLine($"file\t{path}\t{text}");
        foreach (var example in entry.Examples) Console.WriteLine($"example\t{example}");
        return 0;
    }
}
