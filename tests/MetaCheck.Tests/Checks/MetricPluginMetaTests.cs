using System.Text.Json;
using System.Text.RegularExpressions;
using MetaCheck.Checks;
using MetaCheck.Tests.Support;

namespace MetaCheck.Tests.Checks;

/// <summary>Every registered mackerel-plugin-*: the meta output is valid, and every printed name has a graph.</summary>
public sealed class MetricPluginMetaTests : IDisposable
{
    private readonly Sandbox _box = new();

    public void Dispose() => _box.Dispose();

    /// <summary>Arguments (and fixture) a plugin needs to produce metrics; others run bare on this machine.</summary>
    private static readonly Dictionary<string, (string? Fixture, string[] Args)> Needs = new()
    {
        ["mackerel-plugin-linux-socket-queue-size"] = ("linux-2.6.32", ["--ip", "0.0.0.0", "--port", "80", "--prefix", "web"]),
        ["mackerel-plugin-linux-netstat"] = (null, ["-extend"]),
        // Any readable file: lines that are not LTSV with a request time are skipped (its names are checked in AxslogLightTests).
        ["mackerel-plugin-axslog-light"] = (null, ["--logfile", "/etc/passwd", "--key-prefix", "meta"]),
        // Nothing answers on port 9: the lookups fail fast and the plugins print their zero-valued metrics.
        ["mackerel-plugin-dns-lookup"] = (null, ["-d", "example.test", "-s", "127.0.0.1", "-p", "9", "-n", "1", "--timeout", "200"]),
        ["mackerel-plugin-dns-healthcheck"] = (null, ["-d", "example.test", "-s", "127.0.0.1:9", "--timeout", "200"]),
        // No Gaurun on port 9: the runs are one UNKNOWN line; its metric names are checked against a live stub in MackerelPluginGaurunUsageTests.
        ["mackerel-plugin-gaurun-usage"] = (null, ["--port", "9", "--timeout", "1"]),
        // Refused at once: only the DNS time (0 for an address) is printed.
        ["mackerel-plugin-sslhandshake-time"] = (null, ["--timeout", "2", "https://127.0.0.1:9/"]),
    };

    public static TheoryData<string> MetricPlugins()
    {
        var data = new TheoryData<string>();
        foreach (var c in CheckCommands.All.Where(c => c.Name.StartsWith("mackerel-plugin-", StringComparison.Ordinal))) data.Add(c.Name);
        return data;
    }

    [Fact]
    public void The_ported_plugins_are_registered() =>
        CheckCommands.All.Select(c => c.Name).Should().Contain(["mackerel-plugin-linux-netstat", "mackerel-plugin-linux-meminfo",
            "mackerel-plugin-linux-virt-mem", "mackerel-plugin-linux-tcp-memory", "mackerel-plugin-linux-socket-queue-size", "mackerel-plugin-linux-lite"]);

    /// <summary>The ports of plugins built on go-mackerel-plugin (axslog-light printed by itself and had no meta mode).</summary>
    private static readonly string[] GoMackerelPluginPorts =
    [
        "mackerel-plugin-linux-netstat", "mackerel-plugin-linux-meminfo", "mackerel-plugin-linux-virt-mem", "mackerel-plugin-linux-tcp-memory",
        "mackerel-plugin-linux-socket-queue-size", "mackerel-plugin-sslhandshake-time", "mackerel-plugin-dns-lookup",
        "mackerel-plugin-dns-healthcheck", "mackerel-plugin-errorbudget-calculator", "mackerel-plugin-mysql-extend",
    ];

    [Theory]
    [MemberData(nameof(MetricPlugins))]
    public void META_set_to_0_asks_for_the_definition_only_where_the_original_tested_for_non_empty(string plugin)
    {
        // go-mackerel-plugin: any non-empty value; kazeburo's Perl and PHP: a true value, and "0" is false.
        var (fixture, args) = Needs.TryGetValue(plugin, out var n) ? n : (null, []);
        _box.Env["MACKEREL_AGENT_PLUGIN_META"] = "0";
        var r = fixture is null ? _box.Run(plugin, args) : _box.RunOn(fixture, plugin, args);
        r.Stdout.StartsWith("# mackerel-agent-plugin\n").Should().Be(GoMackerelPluginPorts.Contains(plugin), r.ToString());
    }

    [Theory]
    [MemberData(nameof(MetricPlugins))]
    public void Meta_is_valid_and_every_printed_metric_has_a_graph(string plugin)
    {
        var (fixture, args) = Needs.TryGetValue(plugin, out var n) ? n : (null, []);
        CmdResult Run() => fixture is null ? _box.Run(plugin, args) : _box.RunOn(fixture, plugin, args);

        _box.Env["MACKEREL_AGENT_PLUGIN_META"] = "1";
        var meta = Run();
        _box.Env.Remove("MACKEREL_AGENT_PLUGIN_META");
        meta.Exit.Should().Be(0, meta.ToString());
        meta.Lines.Should().HaveCount(2);
        meta.Lines[0].Should().Be("# mackerel-agent-plugin");
        using var json = JsonDocument.Parse(meta.Lines[1]);
        var patterns = new List<Regex>();
        foreach (var graph in json.RootElement.GetProperty("graphs").EnumerateObject())
        {
            graph.Value.GetProperty("label").GetString().Should().NotBeNullOrEmpty();
            graph.Value.GetProperty("unit").GetString().Should().NotBeNullOrEmpty();
            foreach (var metric in graph.Value.GetProperty("metrics").EnumerateArray())
                patterns.Add(Pattern(graph.Name + "." + metric.GetProperty("name").GetString()));
        }
        patterns.Should().NotBeEmpty();

        // Twice, so counter (diff) metrics print too on the second run.
        var first = Run();
        Thread.Sleep(1100);
        var second = Run();
        foreach (var r in new[] { first, second })
        {
            if (r.Exit != 0)
            {
                (r.Exit, r.Lines.Length).Should().Be((3, 1), $"a failing plugin prints one UNKNOWN line: {r}");
                r.Stdout.Should().StartWith($"UNKNOWN: {plugin}: ");
                continue;
            }
            foreach (var line in r.Lines.Where(l => l.Length > 0))
            {
                var name = line.Split('\t')[0];
                line.Split('\t').Should().HaveCount(3, line);
                patterns.Should().Contain(p => p.IsMatch(name), $"{name} ({plugin}) must match a graph definition");
            }
        }
        if (fixture is not null || plugin.StartsWith("mackerel-plugin-linux-", StringComparison.Ordinal))
        {
            second.Exit.Should().Be(0, second.ToString());
            second.Lines.Should().NotBeEmpty().And.AllSatisfy(l => l.Should().NotBeEmpty());
        }
    }

    /// <summary>`*` and `#` in a graph key stand for one name segment.</summary>
    internal static Regex Pattern(string key) =>
        new("^" + Regex.Escape(key).Replace(@"\*", "[-a-zA-Z0-9_]+").Replace(@"\#", "[-a-zA-Z0-9_]+").Replace("#", "[-a-zA-Z0-9_]+") + "$");
}
