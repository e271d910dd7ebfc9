using MetaCheck.Checks.Framework;
using MetaCheck.Core;
using MetaCheck.Tests.Support;
using NodaTime;

namespace MetaCheck.Tests.Checks;

/// <summary>A clock the test moves by hand.</summary>
public sealed class HandClock(long epoch) : IClock
{
    public long Epoch { get; set; } = epoch;
    public Instant GetCurrentInstant() => Instant.FromUnixTimeSeconds(Epoch);
}

/// <summary>Runs a plugin's Main in-process on a fixture tree, with a hand-moved clock and the sandbox's store.</summary>
public sealed class InProcess(Sandbox box, string procDir, long epoch = 1_700_000_000)
{
    public HandClock Clock { get; } = new(epoch);
    public Dictionary<string, string?> Env { get; } = new();

    public (int Exit, string Stdout, string Stderr) Run(Func<string[], PluginContext, int> main, params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var context = new PluginContext
        {
            Paths = new HostPaths(procDir, Path.Combine(box.Dir, "sys"), Path.Combine(box.Dir, "etc")),
            Runner = ProcessRunner.Instance,
            Clock = Clock,
            GetEnv = name => Env.TryGetValue(name, out var v) ? v : name == "METACHECK_STATE_DIR" ? box.StateDir : name == "PATH" ? Environment.GetEnvironmentVariable("PATH") : null,
            Out = stdout,
            Err = stderr,
        };
        int exit = main(args, context);
        return (exit, stdout.ToString(), stderr.ToString());
    }
}

public static class FixtureCopies
{
    /// <summary>A writable copy of a fixture's proc/ tree inside the sandbox; returns its path.</summary>
    public static string CopyFixture(this Sandbox box, string name)
    {
        var from = Path.Combine(Fixtures.Root(name), "proc");
        var to = box.PathOf(name + "-proc");
        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
        return to;
    }
}

public sealed class GoMackerelPluginTests : IDisposable
{
    private readonly Sandbox _box = new();

    public void Dispose() => _box.Dispose();

    private static readonly GoMackerelPlugin Demo = new("demo", "pre",
    [
        new GoGraph("a.b", "", "integer", [new GoMetric("rx_bytes", Diff: true), new GoMetric("gauge", "Gauge", Scale: 1024)]),
        new GoGraph("", "Top", "float", [new GoMetric("top", "top")]),
    ]);

    [Theory]
    [InlineData("tcp_memory_size", "Tcp Memory Size")]
    [InlineData("netstat.tcp.memory", "Netstat Tcp Memory")]
    [InlineData("-socket-queue", "-Socket-Queue")]
    [InlineData("disk.*.#used", "Disk  Used")]
    [InlineData("TcpExtTW", "TcpExtTW")]
    public void Auto_title_follows_go_strings_Title(string name, string title) => GoMackerelPlugin.AutoTitle(name).Should().Be(title);

    [Fact]
    public void Names_are_prefix_graph_key_metric_and_values_are_scaled_and_go_formatted()
    {
        var values = new Dictionary<string, double> { ["rx_bytes"] = 100, ["gauge"] = 0.5, ["top"] = 0.125, ["unused"] = 1 };
        var lines = Demo.Report(values, null, 1000).Values.Select(v => $"{v.Name}={NumberFormat.Go(v.Value)}");
        lines.Should().Equal("pre.a.b.gauge=512", "pre.top=0.125000");
    }

    [Theory]
    [InlineData(160, 60, 60.0)]     // +60 in 60 s → 60 per minute
    [InlineData(130, 20, 90.0)]     // +30 in 20 s → 90 per minute
    [InlineData(90, 60, 0.0)]       // counter reset → 0
    [InlineData(200, 601, 0.0)]     // older than 600 s → 0
    [InlineData(200, 600, 10.0)]    // exactly 600 s still counts: +100 in 600 s
    public void Diff_is_a_per_minute_rate_with_the_600s_and_reset_rules(double current, long elapsed, double expected)
    {
        var previous = new Sample(1000, new Dictionary<string, double> { ["rx_bytes"] = 100 });
        var report = Demo.Report(new Dictionary<string, double> { ["rx_bytes"] = current }, previous, 1000 + elapsed);
        report.Values.Should().Equal(("pre.a.b.rx_bytes", expected));
    }

    [Fact]
    public void Meta_json_is_sorted_by_key_with_auto_titles_and_stacked_flags()
    {
        var w = new StringWriter();
        GraphDefinition.WriteTo(w, Demo.Definitions());
        w.ToString().Should().Be("# mackerel-agent-plugin\n" +
            "{\"graphs\":{\"pre\":{\"label\":\"Top\",\"unit\":\"float\",\"metrics\":[{\"name\":\"top\",\"label\":\"top\",\"stacked\":false}]}," +
            "\"pre.a.b\":{\"label\":\"Pre A B\",\"unit\":\"integer\",\"metrics\":[{\"name\":\"rx_bytes\",\"label\":\"Rx Bytes\",\"stacked\":false}," +
            "{\"name\":\"gauge\",\"label\":\"Gauge\",\"stacked\":false}]}}}\n");
    }

    [Fact]
    public void Previous_sample_lives_in_the_store_with_the_one_second_guard()
    {
        var run = new InProcess(_box, _box.PathOf("proc"));
        var values = new Dictionary<string, double> { ["rx_bytes"] = 100, ["top"] = 1 };
        int Main(string[] args, PluginContext context) =>
            Plugin.Metrics(Cli.Define(Dialect.GoFlag, "demo", "demo"), args, context, _ => Demo.Definitions(), _ => Demo.Collect(context, args, values));

        run.Run(Main).Stdout.Should().Be("pre.top\t1\t1700000000\n");           // first run: no rate
        values["rx_bytes"] = 400;
        run.Run(Main).Should().Be((0, "", "demo: the previous sample is less than 1 s old; nothing printed this time\n"));
        run.Clock.Epoch += 30;
        run.Run(Main).Stdout.Should().Be("pre.a.b.rx_bytes\t600\t1700000030\npre.top\t1\t1700000030\n"); // kept sample of t=0
        run.Clock.Epoch += 700;
        values["rx_bytes"] = 500;
        var stale = run.Run(Main);
        stale.Stdout.Should().Be("pre.a.b.rx_bytes\t0\t1700000730\npre.top\t1\t1700000730\n");
        stale.Stderr.Should().Contain("700 s old");
    }
}
