using System.Diagnostics;
using MetaCheck.Checks.MackerelErrorbudgetCalculator;
using MetaCheck.Tests.Support;

namespace MetaCheck.Tests.Checks;

/// <summary>mackerel-plugin-errorbudget-calculator against a fake Mackerel API (the real one is out of reach).</summary>
public sealed class FakeMackerelApiErrorbudgetTests : IDisposable
{
    private const string Cmd = "mackerel-plugin-errorbudget-calculator";
    private readonly Sandbox _box = new();
    private readonly FakeMackerelApi _api = new();

    public FakeMackerelApiErrorbudgetTests()
    {
        _box.Env["MACKEREL_APIKEY"] = FakeMackerelApi.Key;
        _box.Env["MACKEREL_TOKEN"] = null;
        _api.Hosts.Add(("hostA", "app-a.example.com"));
        _api.Hosts.Add(("hostB", "app-b.example.com"));
        // A: k=1..3; B: k=2..4. Union average: 50, 150, 150, 300 → 3 of 4 points above 100.
        _api.Points[("hostA", "custom.latency.p90")] = [50, 150, 250];
        _api.Points[("hostB", "custom.latency.p90")] = [null, 150, 50, 300];
    }

    public void Dispose()
    {
        _api.Dispose();
        _box.Dispose();
    }

    private CmdResult Run(params string[] extra) =>
        _box.Run(Cmd, ["-s", "web", "-r", "app", "-m", "custom.latency.p90", "--base-url", _api.Url, .. extra]);

    private static string[] Lines(CmdResult r) => r.Lines.Select(l => string.Join('\t', l.Split('\t')[..2])).ToArray();

    [Fact]
    public void Fake_API_metrics_from_the_union_of_all_hosts_timestamps()
    {
        var r = Run("--timewindow", "1");
        r.Exit.Should().Be(0, r.ToString());
        Lines(r).Should().Equal("violationCount.ViolationCount\t3", "violationCount.ErrorBudget\t-2.996000", "errorBudget.ErrorBudgetPercent\t25");
        r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split('\t')[2]).Distinct().Should().HaveCount(1);
        r.Stderr.Should().BeEmpty();
    }

    [Fact]
    public void Fake_API_receives_the_key_header_and_the_documented_queries()
    {
        Run("--timewindow", "2").Exit.Should().Be(0);
        _api.Heads.Should().OnlyContain(h => h.Contains($"X-Api-Key: {FakeMackerelApi.Key}\r\n", StringComparison.OrdinalIgnoreCase));
        _api.Requests.Should().Contain("/api/v0/hosts?service=web&role=app");
        var metrics = _api.Requests.Where(p => p.Contains("/metrics?")).ToList();
        metrics.Should().HaveCount(2 * 4); // 2 hosts × 2 days × two 12-hour windows
        metrics.Should().OnlyContain(p => p.Contains("name=custom.latency.p90&from="));
        foreach (var host in new[] { "hostA", "hostB" })
        {
            var windows = metrics.Where(p => p.StartsWith($"/api/v0/hosts/{host}/metrics?")).Select(p =>
            {
                var q = p.Split('?')[1].Split('&').ToDictionary(x => x.Split('=')[0], x => long.Parse(x.Split('=')[1] is var v && v.All(char.IsAsciiDigit) ? v : "0"));
                return (From: q["from"], To: q["to"]);
            }).OrderByDescending(w => w.To).ToList();
            windows.Should().HaveCount(4);
            windows.Should().OnlyContain(w => w.To - w.From == 43200);
            for (int i = 1; i < windows.Count; i++) windows[i].To.Should().Be(windows[i - 1].From);
        }
    }

    [Fact]
    public void Fix_the_API_is_reached_through_HTTP_PROXY_as_the_original_did()
    {
        using var proxy = new LoopbackProxy();
        proxy.UseFor(_box);
        var port = new Uri(_api.Url).Port;
        var r = _box.Run(Cmd, "-s", "web", "-r", "app", "-m", "custom.latency.p90", "--base-url", $"http://mackerel.test:{port}/", "--timewindow", "1");
        r.Exit.Should().Be(0, r.ToString());
        Lines(r).Should().Equal("violationCount.ViolationCount\t3", "violationCount.ErrorBudget\t-2.996000", "errorBudget.ErrorBudgetPercent\t25");
        proxy.RequestLines.Should().Contain($"GET http://mackerel.test:{port}/api/v0/hosts?service=web&role=app HTTP/1.1");
    }

    [Fact]
    public void Fix_an_https_API_is_asked_for_through_an_HTTPS_PROXY_tunnel()
    {
        using var proxy = new LoopbackProxy();
        proxy.UseFor(_box);
        var r = _box.Run(Cmd, "-s", "web", "-r", "app", "-m", "custom.latency.p90", "--base-url", "https://api.mackerel.test/", "--timeout", "5");
        r.Exit.Should().Be(3, "this proxy refuses tunnels");
        r.Lines.Should().ContainSingle().Which.Should().StartWith($"UNKNOWN: {Cmd}: Mackerel API GET /api/v0/hosts failed: ");
        proxy.RequestLines.Should().Equal("CONNECT api.mackerel.test:443 HTTP/1.1");
    }

    [Fact]
    public void A_loopback_API_is_never_proxied_as_in_Go()
    {
        using var proxy = new LoopbackProxy();
        proxy.UseFor(_box);
        Run("--timewindow", "1").Exit.Should().Be(0);
        proxy.RequestLines.Should().BeEmpty();
    }

    [Fact]
    public void Fake_API_filter_keeps_matching_hosts_only()
    {
        var r = Run("--timewindow", "1", "-f", "app-a", "--objective-latency", "100", "--errorbudget-size", "50");
        // A alone: 50, 150, 250 → V = 2 of 3; remaining 3 − 1.5 − 2.
        Lines(r).Should().Equal("violationCount.ViolationCount\t2", "violationCount.ErrorBudget\t-0.500000", "errorBudget.ErrorBudgetPercent\t33.333333");
        _api.Requests.Should().NotContain(p => p.StartsWith("/api/v0/hosts/hostB"));
    }

    [Fact]
    public void A_negative_objective_latency_is_a_value_as_in_go_flags()
    {
        // A alone: 50, 150, 250 are all above -5 → V = 3 of 3.
        var r = Run("--timewindow", "1", "-f", "app-a", "--objective-latency", "-5", "--errorbudget-size", "50");
        Lines(r).Should().Equal("violationCount.ViolationCount\t3", "violationCount.ErrorBudget\t-1.500000", "errorBudget.ErrorBudgetPercent\t0");
    }

    [Fact]
    public void Fake_API_key_from_MACKEREL_TOKEN_or_the_option()
    {
        _box.Env["MACKEREL_APIKEY"] = null;
        _box.Env["MACKEREL_TOKEN"] = "token-from-env";
        Run("--timewindow", "1").Exit.Should().Be(0);
        _api.Heads.Should().OnlyContain(h => h.Contains("X-Api-Key: token-from-env\r\n", StringComparison.OrdinalIgnoreCase));
        Run("--timewindow", "1", "--apikey", "from-option").Exit.Should().Be(0);
        _api.Heads.Last().Should().Contain("X-Api-Key: from-option\r\n");
    }

    [Fact]
    public void Fake_API_missing_key_is_UNKNOWN_without_a_request()
    {
        _box.Env["MACKEREL_APIKEY"] = null;
        var r = Run();
        r.Should().BeEquivalentTo(new { Exit = 3, Stderr = "" });
        r.Stdout.Should().StartWith($"UNKNOWN: {Cmd}: no Mackerel API key: set MACKEREL_APIKEY").And.EndWith("\n");
        r.Lines.Should().HaveCount(1);
        _api.Requests.Should().BeEmpty();
    }

    [Fact]
    public void Fix_meta_mode_prints_the_graphs_without_calling_the_fake_API()
    {
        _box.Env["MACKEREL_AGENT_PLUGIN_META"] = "1";
        _box.Env["MACKEREL_APIKEY"] = null;
        var r = _box.Run(Cmd, "--base-url", _api.Url, "--prefix", "SLO web");
        r.Exit.Should().Be(0, r.ToString());
        r.Stdout.Should().Be("# mackerel-agent-plugin\n" +
            """{"graphs":{"errorBudget":{"label":"SLO web","unit":"percentage","metrics":[{"name":"ErrorBudgetPercent","label":"budget","stacked":false}]},"violationCount":{"label":"SLO web","unit":"integer","metrics":[{"name":"ViolationCount","label":"violation_count","stacked":false},{"name":"ErrorBudget","label":"error_budget","stacked":false}]}}}""" + "\n");
        _box.Run(Cmd).Stdout.Should().Contain("\"label\":\"ErrorBudget\"").And.Contain("\"label\":\"ViolationCount\"");
        _api.Requests.Should().BeEmpty();
    }

    [Theory]
    [InlineData("/api/v0/hosts?", 401, "Unauthorized", "Mackerel API GET /api/v0/hosts failed: 401 Unauthorized (check the API key)")]
    [InlineData("/api/v0/hosts/hostB/metrics", 500, "Internal Server Error", "Mackerel API GET /api/v0/hosts/hostB/metrics failed: 500 Internal Server Error")]
    public void Fake_API_errors_are_one_UNKNOWN_line(string path, int status, string reason, string message)
    {
        _api.Override[path] = new StubReply(status, reason, """{"error":{"message":"x"}}""");
        var r = Run("--timewindow", "1");
        r.Should().BeEquivalentTo(new { Exit = 3, Stdout = $"UNKNOWN: {Cmd}: {message}\n", Stderr = "" });
    }

    [Fact]
    public void Fix_one_hanging_host_is_UNKNOWN_after_the_timeout_not_a_hang_on_the_fake_API()
    {
        _api.Override["/api/v0/hosts/hostB/metrics"] = StubReply.Hang();
        var clock = Stopwatch.StartNew();
        var r = _box.Run(Cmd, ["-s", "web", "-r", "app", "-m", "custom.latency.p90", "--base-url", _api.Url, "--timeout", "1", "--timewindow", "30"], null, TimeSpan.FromSeconds(60));
        clock.Elapsed.Should().BeLessThan(Patience.Bound, "the fake API never answers");
        r.Exit.Should().Be(3);
        r.Stdout.Should().StartWith($"UNKNOWN: {Cmd}: Mackerel API GET /api/v0/hosts/hostB/metrics failed: 500 read timeout after 1 s").And.EndWith(")\n");
        r.Lines.Should().HaveCount(1);
        _api.Requests.Should().Contain(p => p.StartsWith("/api/v0/hosts/hostB/metrics?name=custom.latency.p90&from="));
    }

    [Fact]
    public void Fake_API_hang_up_and_bad_JSON_are_UNKNOWN()
    {
        _api.Override["/api/v0/hosts?"] = StubReply.Close();
        var r = Run();
        r.Exit.Should().Be(3);
        r.Stdout.Should().Be($"UNKNOWN: {Cmd}: Mackerel API GET /api/v0/hosts failed: 500 Server closed connection without sending any data back\n");
        _api.Override["/api/v0/hosts?"] = StubReply.Json("{\"hosts\":[");
        r = Run();
        r.Exit.Should().Be(3);
        r.Stdout.Should().StartWith($"UNKNOWN: {Cmd}: {_api.Url}api/v0/hosts?service=web&role=app did not return JSON").And.EndWith("\n");
        _api.Override["/api/v0/hosts?"] = StubReply.Json("""{"hosts":{}}""");
        Run().Stdout.Should().Be($"UNKNOWN: {Cmd}: Mackerel API /api/v0/hosts answered without a \"hosts\" array\n");
        _api.Override.Clear();
        _api.Override["/api/v0/hosts/hostA/metrics"] = StubReply.Json("""{"metrics":[{"time":1,"value":"x"}]}""");
        Run("--timewindow", "1").Stdout.Should().Be($"UNKNOWN: {Cmd}: Mackerel API /api/v0/hosts/hostA/metrics (custom.latency.p90): a point without a numeric time and value\n");
    }

    [Fact]
    public void Fake_API_unreachable_is_UNKNOWN()
    {
        var r = _box.Run(Cmd, "-s", "web", "-r", "app", "-m", "x", "--base-url", $"http://127.0.0.1:{StubHttpServer.RefusedPort()}/");
        r.Exit.Should().Be(3);
        r.Stdout.Should().EndWith("(Connection refused)\n").And.StartWith($"UNKNOWN: {Cmd}: Mackerel API GET /api/v0/hosts failed: 500 Can't connect to 127.0.0.1:");
    }

    [Fact]
    public void Fix_no_hosts_and_no_points_are_UNKNOWN_instead_of_a_silent_exit_1()
    {
        var r = Run("-f", "nothing-matches");
        r.Should().BeEquivalentTo(new { Exit = 3, Stdout = $"UNKNOWN: {Cmd}: no hosts in service web role app with 'nothing-matches' in the name\n" });
        r = _box.Run(Cmd, "-s", "web", "-r", "app", "-m", "custom.other", "--base-url", _api.Url, "--timewindow", "1");
        r.Should().BeEquivalentTo(new { Exit = 3, Stdout = $"UNKNOWN: {Cmd}: no points of custom.other on 2 host(s) in the last 1 day(s)\n" });
    }

    [Theory]
    [InlineData(new[] { "-r", "app", "-m", "x" }, "--service is required, e.g. -s web")]
    [InlineData(new[] { "-s", "web", "-m", "x" }, "--roles is required, e.g. -r app")]
    [InlineData(new[] { "-s", "web", "-r", "app" }, "--metrics is required, e.g. -m custom.latency.p90")]
    [InlineData(new[] { "-s", "web", "-r", "app", "-m", "x", "--errorbudget-size", "101" }, "--errorbudget-size must be between 0 and 100, got 101")]
    [InlineData(new[] { "-s", "web", "-r", "app", "-m", "x", "--objective-latency", "fast" }, "--objective-latency takes a number, got 'fast'")]
    // go-flags takes a separate negative number as the value of a float64 option: the range check speaks, not the parser.
    [InlineData(new[] { "-s", "web", "-r", "app", "-m", "x", "--errorbudget-size", "-5" }, "--errorbudget-size must be between 0 and 100, got -5")]
    [InlineData(new[] { "-s", "web", "-r", "app", "-m", "x", "--base-url", "ftp://x/" }, "--base-url takes an http(s) URL, got 'ftp://x/'")]
    public void Fix_bad_options_are_one_UNKNOWN_line_without_Go_formatting_artefacts(string[] args, string message)
    {
        var r = _box.Run(Cmd, args);
        r.Should().BeEquivalentTo(new { Exit = 3, Stdout = $"UNKNOWN: {Cmd}: {message} (see {Cmd} --help)\n" });
        r.Stdout.Should().NotContain("%!");
        _api.Requests.Should().BeEmpty();
    }

    [Fact]
    public void Fix_timewindow_out_of_range_and_version_name()
    {
        var r = Run("--timewindow", "31");
        r.Exit.Should().Be(3);
        r.Lines.Should().ContainSingle().Which.Should().StartWith($"UNKNOWN: {Cmd}:").And.Contain("--timewindow");
        _box.Run(Cmd, "--version").Should().BeEquivalentTo(new { Exit = 0, Stdout = $"{Cmd} 0.1.0\n" });
    }

    [Fact]
    public void Fix_debug_lines_go_to_stderr_not_into_the_metrics()
    {
        var r = Run("--timewindow", "1", "--debug");
        r.Exit.Should().Be(0);
        r.Lines.Should().HaveCount(3).And.OnlyContain(l => l.Split('\t').Length == 3);
        r.Stderr.Should().Contain("app-a.example.com (hostA): 3 points of custom.latency.p90");
    }

    [Fact]
    public void The_original_name_is_an_alias()
    {
        var r = _box.Run("mackerel-errorbudget-calculator", "-s", "web", "-r", "app", "-m", "custom.latency.p90", "--base-url", _api.Url, "--timewindow", "1");
        r.Exit.Should().Be(0, r.ToString());
        r.Lines.Should().HaveCount(3);
    }
}

public sealed class ErrorbudgetCalculatorUnitTests
{
    [Fact]
    public void Average_uses_every_host_timestamp_and_only_hosts_that_have_it()
    {
        var a = new Dictionary<long, double> { [60] = 10, [120] = 20 };
        var b = new Dictionary<long, double> { [120] = 40, [180] = 90 };
        MackerelErrorbudgetCalculator.Average([a, b]).Should().Equal(new Dictionary<long, double> { [60] = 10, [120] = 30, [180] = 90 });
    }

    [Fact]
    public void Calculate_counts_strictly_greater_points()
    {
        var points = new Dictionary<long, double> { [1] = 100, [2] = 100.5, [3] = 99, [4] = 0 };
        MackerelErrorbudgetCalculator.Calculate(points, 100, 75).Should().Be(new ErrorBudget(4, 1, 75, 0));
        MackerelErrorbudgetCalculator.Calculate(new Dictionary<long, double>(), 100, 99.9).BudgetPercent.Should().Be(double.NaN);
    }
}
