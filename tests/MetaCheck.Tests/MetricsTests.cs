using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using MetaCheck.Tests.Checks;
using MetaCheck.Tests.Support;

namespace MetaCheck.Tests;

/// <summary>`metacheck metrics` (issue 22): the wrappers' history as Mackerel metrics and as a Prometheus textfile.</summary>
public sealed class MetricsTests : IDisposable
{
    private readonly Sandbox _box = new();

    public MetricsTests() => _box.Env["METACHECK_HOST_MUTES"] = _box.PathOf("host-mutes");

    public void Dispose() => _box.Dispose();

    /// <summary>
    /// delay-checker -c 2 over one command (so one check, named by --identifier) that takes 0.2 s and
    /// exits with each of <paramref name="exits"/> in turn (read from a file, so the command stays the same).
    /// </summary>
    private void Runs(string identifier, params int[] exits) => Runs(["-c", "2", "--identifier", identifier], exits);

    private void Runs(string[] options, params int[] exits)
    {
        foreach (var exit in exits)
        {
            File.WriteAllText(_box.PathOf("exit"), $"{exit}\n");
            _box.Run("delay-checker", [.. options, "--", "/bin/sh", "-c", "sleep 0.2; echo exit $(cat exit); exit $(cat exit)"]);
        }
    }

    /// <summary>The metric lines, checked against the graph definitions as every metric plugin's are.</summary>
    private Dictionary<string, double> Mackerel()
    {
        _box.Env["MACKEREL_AGENT_PLUGIN_META"] = "1";
        var meta = _box.Run("metacheck", "metrics");
        _box.Env.Remove("MACKEREL_AGENT_PLUGIN_META");
        meta.Exit.Should().Be(0, meta.ToString());
        meta.Lines[0].Should().Be("# mackerel-agent-plugin");
        using var json = JsonDocument.Parse(meta.Lines[1]);
        var patterns = json.RootElement.GetProperty("graphs").EnumerateObject()
            .SelectMany(g => g.Value.GetProperty("metrics").EnumerateArray().Select(m => MetricPluginMetaTests.Pattern(g.Name + "." + m.GetProperty("name").GetString())))
            .ToList();

        var r = _box.Run("metacheck", "metrics");
        r.Exit.Should().Be(0, r.ToString());
        var values = new Dictionary<string, double>();
        foreach (var line in r.Lines.Where(l => l.Length > 0))
        {
            line.Should().MatchRegex(@"^metacheck\.[a-z_]+\.[-a-zA-Z0-9_]+\t[-0-9.e+]+\t\d{10}$");
            var fields = line.Split('\t');
            patterns.Should().Contain(p => p.IsMatch(fields[0]), $"{fields[0]} must match a graph definition");
            values.Add(fields[0], double.Parse(fields[1], CultureInfo.InvariantCulture));
        }
        return values;
    }

    private static double Value(Dictionary<string, double> values, string kind, string identifier) =>
        values.Single(kv => Regex.IsMatch(kv.Key, $@"^metacheck\.{kind}\.[0-9a-f]{{8}}_{identifier}$")).Value;

    [Fact]
    public void Mackerel_values_match_the_store_after_known_runs()
    {
        Runs("db", 2, 2, 0, 2);   // one failure since the last success: not alerting
        Runs("web", 2, 2);        // the threshold reached: alerting
        Runs("muted", 0);
        Runs(["-c", "1", "--recover", "2", "--identifier", "recovering"], 2, 0); // the alert is held open after one success
        _box.Run("metacheck", "mute", "--for", "1h", "muted").Exit.Should().Be(0);

        var values = Mackerel();
        Value(values, "failure_streak", "db").Should().Be(1);
        Value(values, "alerting", "db").Should().Be(0);
        Value(values, "failure_streak", "web").Should().Be(2);
        Value(values, "alerting", "web").Should().Be(1);
        Value(values, "runs_total", "db").Should().Be(4);
        Value(values, "muted", "muted").Should().Be(1);
        Value(values, "muted", "db").Should().Be(0);
        Value(values, "held", "web").Should().Be(0);
        Value(values, "held", "recovering").Should().Be(1);
        Value(values, "alerting", "recovering").Should().Be(1);
        Value(values, "duration", "db").Should().BeInRange(200, 60_000, "the dummy slept 0.2 s");
        values.Keys.Should().NotContain(k => k.StartsWith("metacheck.runs.") || k.StartsWith("metacheck.failures."),
            "rates need a previous call, as go-mackerel-plugin's diff metrics do");
    }

    [Fact]
    public void Runs_and_failures_per_minute_count_the_runs_since_the_previous_call()
    {
        Runs("db", 0);
        Mackerel();
        Runs("db", 2, 0, 2);
        Runs("idle", 0);
        Thread.Sleep(1100);
        var values = Mackerel();
        double runs = Value(values, "runs", "db"), failures = Value(values, "failures", "db");
        // The calls are a whole number of seconds apart (1 or more on a loaded machine): 3 and 2 runs in that time.
        double seconds = Math.Round(3 * 60 / runs);
        seconds.Should().BeGreaterThanOrEqualTo(1);
        runs.Should().BeApproximately(3 * 60 / seconds, 1e-9);
        failures.Should().BeApproximately(2 * 60 / seconds, 1e-9);
        Value(values, "runs", "idle").Should().BeApproximately(60 / seconds, 1e-9);

        Thread.Sleep(1100);
        var quiet = Mackerel();
        Value(quiet, "runs", "db").Should().Be(0, "no run since the previous call");
        Value(quiet, "failures", "db").Should().Be(0);
    }

    [Fact]
    public void The_prometheus_file_passes_the_reference_parser_with_escaped_labels()
    {
        Runs("db \"primary\"\\1", 2, 2);
        _box.Run("delay-checker", "-c", "2", "--", Installed.Dummy, "out=x", "mark=quote\"back\\slash", "exit=0");
        var file = _box.PathOf("metacheck.prom");
        var r = _box.Run("metacheck", "metrics", "--format", "prometheus", "--output", file);
        (r.Exit, r.Stdout).Should().Be((0, ""), r.ToString());
        Directory.GetFiles(_box.Dir).Should().NotContain(f => f.EndsWith(".tmp"), "the temporary file is renamed into place");

        var samples = ParsePrometheus(file);
        double Sample(string name, Func<JsonElement, bool> labels) =>
            samples.Single(s => s[2].GetString() == name && labels(s[3]))[4].GetDouble();

        bool Db(JsonElement l) => l.GetProperty("identifier").GetString() == "db \"primary\"\\1";
        Sample("metacheck_failure_streak", Db).Should().Be(2);
        Sample("metacheck_alerting", Db).Should().Be(1);
        Sample("metacheck_runs_total", Db).Should().Be(2);
        Sample("metacheck_last_run_duration_seconds", Db).Should().BeInRange(0.2, 60);
        samples.Single(s => s[2].GetString() == "metacheck_runs_total" && Db(s[3]))[1].GetString().Should().Be("counter");
        var quoted = samples.First(s => s[3].GetProperty("command").GetString()!.Contains("mark="))[3];
        quoted.GetProperty("command").GetString().Should().EndWith("'mark=quote\"back\\slash' exit=0");
        quoted.GetProperty("wrapper").GetString().Should().Be("delay-checker");
        quoted.GetProperty("check_id").GetString().Should().MatchRegex("^[0-9a-f]{16}$");
    }

    [Fact]
    public void The_prometheus_file_is_readable_by_the_collector_whatever_the_umask()
    {
        // node_exporter reads the file as its own user; root's cron or timer may run with umask 077.
        Runs("db", 0);
        var file = _box.PathOf("metacheck.prom");
        var r = _box.Shell($"umask 077; metacheck metrics --format prometheus --output '{file}'");
        r.Exit.Should().Be(0, r.ToString());
        File.GetUnixFileMode(file).Should().Be((UnixFileMode)0x1a4, "0644");
    }

    [Fact]
    public void Output_is_refused_for_the_mackerel_format_and_an_unknown_format_is_refused()
    {
        var r = _box.Run("metacheck", "metrics", "--output", _box.PathOf("x"));
        r.Exit.Should().Be(3);
        r.Stdout.Should().Contain("--output needs --format prometheus");
        File.Exists(_box.PathOf("x")).Should().BeFalse();
        _box.Run("metacheck", "metrics", "--format", "json").Exit.Should().Be(3);
    }

    [Fact]
    public void An_unwritable_output_is_one_unknown_line()
    {
        Runs("db", 0);
        var r = _box.Run("metacheck", "metrics", "--format", "prometheus", "--output", _box.PathOf("missing/metacheck.prom"));
        (r.Exit, r.Lines.Length).Should().Be((3, 1), r.ToString());
        r.Stdout.Should().StartWith("UNKNOWN: metrics: cannot write ");
    }
    /// <summary>
    /// The file as the Python client's own parser (Debian's python3-prometheus-client) reads it, as
    /// [family, type, sample name, labels, value] per sample; a file it refuses fails the test.
    /// </summary>
    private List<JsonElement> ParsePrometheus(string file)
    {
        var script = _box.PathOf("parse.py");
        File.WriteAllText(script, """
            import json, sys
            from prometheus_client.parser import text_string_to_metric_families
            out = []
            for family in text_string_to_metric_families(open(sys.argv[1]).read()):
                for s in family.samples:
                    out.append([family.name, family.type, s.name, s.labels, s.value])
            print(json.dumps(out))
            """);
        var parser = _box.Shell($"/usr/bin/python3 {script} {file}");
        parser.Exit.Should().Be(0, parser.ToString());
        return [.. JsonDocument.Parse(parser.Stdout).RootElement.EnumerateArray()];
    }

    [Fact]
    public void Root_without_a_store_covers_every_users_store_each_check_labelled_with_its_user()
    {
        // mackerel-agent's shared work directory, as the agent leaves it: world-writable and sticky.
        var workdir = _box.PathOf("agent");
        Directory.CreateDirectory(Path.Combine(workdir, "metacheck"));
        File.SetUnixFileMode(Path.Combine(workdir, "metacheck"), (UnixFileMode)0x3ff);
        var asNagios = IcingaDaemon.RunAsNagios("env", $"MACKEREL_PLUGIN_WORKDIR={workdir}", $"METACHECK_HOST_MUTES={_box.PathOf("host-mutes")}",
            Path.Combine(Installed.BinDir, "delay-checker"), "-c", "1", "--identifier", "nagios-web", "--", "sh", "-c", "echo down; exit 2");
        asNagios.Exit.Should().Be(2, asNagios.ToString());
        _box.Env["METACHECK_STATE_DIR"] = null;
        _box.Env["MACKEREL_PLUGIN_WORKDIR"] = workdir;
        _box.Run("delay-checker", "-c", "1", "--identifier", "root-db", "--", "sh", "-c", "echo fine").Exit.Should().Be(0);

        var file = _box.PathOf("host.prom");
        var r = _box.Run("metacheck", "metrics", "--format", "prometheus", "--output", file);
        r.Exit.Should().Be(0, r.ToString());
        var samples = ParsePrometheus(file);
        JsonElement Streak(string identifier) => samples.Single(s => s[2].GetString() == "metacheck_failure_streak"
            && s[3].GetProperty("identifier").GetString() == identifier);
        Streak("nagios-web")[3].GetProperty("user").GetString().Should().Be("nagios");
        Streak("nagios-web")[4].GetDouble().Should().Be(1);
        Streak("root-db")[3].GetProperty("user").GetString().Should().Be("root");
        Streak("root-db")[4].GetDouble().Should().Be(0);

        var mackerel = _box.Run("metacheck", "metrics");
        mackerel.Lines.Should().ContainMatch("metacheck.failure_streak.nagios_*_nagios-web\t1\t*")
            .And.ContainMatch("metacheck.failure_streak.root_*_root-db\t0\t*");

        // A store named explicitly is that store alone, without user labels.
        _box.Env["METACHECK_STATE_DIR"] = Path.Combine(workdir, "metacheck", "0");
        _box.Run("metacheck", "metrics").Lines.Should().ContainMatch("metacheck.failure_streak.????????_root-db\t0\t*")
            .And.NotContain(l => l.Contains("nagios"));
    }
}
