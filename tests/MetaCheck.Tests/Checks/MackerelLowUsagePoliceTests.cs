using System.Diagnostics;
using MetaCheck.Checks.MackerelLowUsagePolice;
using MetaCheck.Tests.Support;

namespace MetaCheck.Tests.Checks;

/// <summary>mackerel-low-usage-police against a fake Mackerel API (the real one is out of reach).</summary>
public sealed class FakeMackerelApiLowUsagePoliceTests : IDisposable
{
    private const string Cmd = "mackerel-low-usage-police";
    private readonly Sandbox _box = new();
    private readonly FakeMackerelApi _api = new();

    public FakeMackerelApiLowUsagePoliceTests()
    {
        _box.Env["MACKEREL_APIKEY"] = FakeMackerelApi.Key;
        _box.Env["MACKEREL_TOKEN"] = null;
        _api.Hosts.Add(("h1", "web01.example.com"));
        _api.Hosts.Add(("h2", "batch02.example.com"));
        _api.Hosts.Add(("h3", "idle03.example.com"));
        // web01: user + system summed per timestamp → 11, 21, 31, 41.
        _api.Points[("h1", "cpu.user.percentage")] = [10, 20, 30, 40];
        _api.Points[("h1", "cpu.system.percentage")] = [1, 1, 1, 1];
        _api.Points[("h2", "cpu.user.percentage")] = [150, 250];
        _api.Points[("h1", "loadavg5")] = [0.26];
    }

    public void Dispose()
    {
        _api.Dispose();
        _box.Dispose();
    }

    private CmdResult Run(params string[] extra) => _box.Run(Cmd, ["-s", "web", "-r", "app", "--base-url", _api.Url, .. extra]);

    [Fact]
    public void Fix_default_metrics_is_the_cpu_set_and_the_fake_API_table_has_one_decimal_columns()
    {
        var r = Run();
        r.Exit.Should().Be(0, r.ToString());
        r.Stdout.Should().Be(
            "host\t\t\tmax\tmin\tavg\tp50\tp90\n" +
            "batch02\t250.0\t150.0\t200.0\t150.0\t150.0\n" +
            "idle03\tno data\n" +
            "web01\t41.0\t11.0\t26.0\t21.0\t31.0\n");
        r.Stderr.Should().BeEmpty();
        foreach (var m in MackerelLowUsagePolice.MetricSets["cpu"])
            _api.Requests.Should().Contain(p => p.StartsWith($"/api/v0/hosts/h1/metrics?name={m}&from="));
    }

    [Fact]
    public void Fix_the_API_is_reached_through_HTTP_PROXY_as_the_original_did()
    {
        using var proxy = new LoopbackProxy();
        proxy.UseFor(_box);
        var port = new Uri(_api.Url).Port;
        var r = _box.Run(Cmd, "-s", "web", "-r", "app", "--metrics", "loadavg", "--base-url", $"http://mackerel.test:{port}/");
        r.Exit.Should().Be(0, r.ToString());
        r.Stdout.Should().Contain("web01\t0.3\t0.3\t0.3\t0.3\t0.3\n");
        proxy.RequestLines.Should().Contain($"GET http://mackerel.test:{port}/api/v0/services HTTP/1.1");
    }

    [Fact]
    public void Fake_API_receives_the_key_header_service_list_and_role_query()
    {
        Run("--metrics", "loadavg", "--timewindow", "3").Exit.Should().Be(0);
        _api.Heads.Should().OnlyContain(h => h.Contains($"X-Api-Key: {FakeMackerelApi.Key}\r\n"));
        _api.Requests.First().Should().Be("/api/v0/services");
        _api.Requests.Should().Contain("/api/v0/hosts?service=web&role=app");
        _api.Requests.Count(p => p.StartsWith("/api/v0/hosts/h3/metrics?name=loadavg5&from=")).Should().Be(6);
    }

    [Fact]
    public void Fake_API_loadavg_set_with_a_single_point_and_a_filter()
    {
        // One point: the original failed the whole run ("too little elements"); percentiles are that point.
        Run("--metrics", "loadavg", "-f", "web").Stdout.Should().Be("host\t\t\tmax\tmin\tavg\tp50\tp90\nweb01\t0.3\t0.3\t0.3\t0.3\t0.3\n");
    }

    [Fact]
    public void Fake_API_host_names_missing_from_the_list_come_from_the_host_endpoint()
    {
        _api.NamelessList = true;
        Run("--metrics", "loadavg").Stdout.Should().Be("host\t\t\tmax\tmin\tavg\tp50\tp90\nbatch02\tno data\nidle03\tno data\nweb01\t0.3\t0.3\t0.3\t0.3\t0.3\n");
        _api.Requests.Should().Contain(["/api/v0/hosts/h1", "/api/v0/hosts/h2", "/api/v0/hosts/h3"]);
    }

    [Fact]
    public void Fix_colour_only_on_request_or_a_terminal()
    {
        Run().Stdout.Should().NotContain("\u001b");
        var r = Run("--color", "always");
        r.Lines.Should().Contain("\u001b[31mweb01\t41.0\t11.0\t26.0\t21.0\t31.0\u001b[0m");
        r.Lines.Should().Contain("batch02\t250.0\t150.0\t200.0\t150.0\t150.0");
        Run("--color", "always", "--threshold", "20").Stdout.Should().NotContain("\u001b");
    }

    [Fact]
    public void Fix_long_host_names_still_get_a_header()
    {
        _api.Hosts.Add(("h4", "a-rather-long-host-name-22.example.com"));
        Run("-f", "long").Lines[0].Should().Be("host\t\t\t\t\tmax\tmin\tavg\tp50\tp90");
    }

    [Fact]
    public void Fix_missing_service_is_UNKNOWN_not_exit_0()
    {
        var r = _box.Run(Cmd, "-s", "nosuch", "-r", "app", "--base-url", _api.Url);
        r.Should().BeEquivalentTo(new { Exit = 3, Stdout = $"UNKNOWN: {Cmd}: service nosuch does not exist\n", Stderr = "" });
        _api.Requests.Should().Equal("/api/v0/services");
    }

    [Fact]
    public void Fix_debug_and_verbose_lines_go_to_stderr_and_are_not_JSON()
    {
        var r = Run("--debug", "--verbose");
        r.Exit.Should().Be(0);
        r.Lines.Should().HaveCount(4);
        r.Stdout.Should().NotContain("{");
        r.Stderr.Should().Contain("web01.example.com (h1): 4, 0, 4, 0 points").And.Contain("h1 max 41.0 at ");
    }

    [Theory]
    [InlineData(new[] { "-r", "app" }, "--service is required, e.g. -s web")]
    [InlineData(new[] { "-s", "web" }, "--roles is required, e.g. -r app")]
    [InlineData(new[] { "-s", "web", "-r", "app", "--metrics", "cpu.user.percentage" }, "--metrics takes cpu, iops or loadavg, got 'cpu.user.percentage'")]
    [InlineData(new[] { "-s", "web", "-r", "app", "--color", "pink" }, "--color takes auto, always or never, got 'pink'")]
    public void Fix_bad_options_are_one_UNKNOWN_line(string[] args, string message)
    {
        var r = _box.Run(Cmd, [.. args, "--base-url", _api.Url]);
        r.Should().BeEquivalentTo(new { Exit = 3, Stdout = $"UNKNOWN: {Cmd}: {message} (see {Cmd} --help)\n" });
        _api.Requests.Should().BeEmpty();
    }

    [Fact]
    public void Fake_API_missing_key_and_errors_are_one_UNKNOWN_line()
    {
        _box.Env["MACKEREL_APIKEY"] = null;
        Run().Stdout.Should().StartWith($"UNKNOWN: {Cmd}: no Mackerel API key").And.NotContain("\n\n");
        _api.Requests.Should().BeEmpty();
        _box.Env["MACKEREL_TOKEN"] = "t";
        _api.Override["/api/v0/services"] = new StubReply(401, "Unauthorized", "{}");
        Run().Should().BeEquivalentTo(new { Exit = 3, Stdout = $"UNKNOWN: {Cmd}: Mackerel API GET /api/v0/services failed: 401 Unauthorized (check the API key)\n" });
        _api.Override.Clear();
        _api.Override["/api/v0/hosts/h2/metrics"] = StubReply.Json("not json");
        var r = Run();
        r.Exit.Should().Be(3);
        r.Stdout.Should().StartWith($"UNKNOWN: {Cmd}: {_api.Url}api/v0/hosts/h2/metrics?name=cpu.user.percentage").And.Contain("did not return JSON");
        r.Lines.Should().HaveCount(1);
    }

    [Fact]
    public void Fix_a_hanging_fake_API_is_UNKNOWN_after_the_timeout()
    {
        _api.Override["/api/v0/hosts/h1/metrics"] = StubReply.Hang();
        var clock = Stopwatch.StartNew();
        var r = _box.Run(Cmd, ["-s", "web", "-r", "app", "--base-url", _api.Url, "--timeout", "1"], null, TimeSpan.FromSeconds(60));
        clock.Elapsed.Should().BeLessThan(Patience.Bound, "the fake API never answers");
        r.Exit.Should().Be(3);
        r.Stdout.Should().StartWith($"UNKNOWN: {Cmd}: Mackerel API GET /api/v0/hosts/h1/metrics failed: 500 read timeout after 1 s");
    }
}

public sealed class LowUsagePoliceUnitTests
{
    [Fact]
    public void The_first_host_failure_stops_the_remaining_hosts()
    {
        var client = new MetaCheck.Checks.MackerelApi.MackerelClient(new Uri("http://127.0.0.1:9/"), "k", TimeSpan.FromSeconds(1), parallel: 1);
        int calls = 0;
        var act = () => client.ForEachHost(Enumerable.Range(0, 5).ToList(), i =>
        {
            Interlocked.Increment(ref calls);
            return i >= 0 ? throw new MetaCheck.Checks.Framework.DataSourceException($"host {i} failed") : i;
        });
        act.Should().Throw<MetaCheck.Checks.Framework.DataSourceException>().WithMessage("host 0 failed");
        calls.Should().Be(1);
        // Later requests of hosts already running are refused without touching the network.
        client.Invoking(c => c.Get("api/v0/services")).Should().Throw<OperationCanceledException>();
    }

    [Fact]
    public void Statistics_of_a_series()
    {
        var s = MackerelLowUsagePolice.Statistics(new Dictionary<long, double> { [1] = 5, [2] = 1, [3] = 3, [4] = 2, [5] = 4 })!;
        s.Should().Be(new UsageStats(5, 1, 3, 2, 4, 1, 2)); // p50: index floor(2.5) − 1 = 1; p90: floor(4.5) − 1 = 3
    }

    [Fact]
    public void Sum_adds_metrics_at_the_same_timestamp()
    {
        MackerelLowUsagePolice.Sum([new Dictionary<long, double> { [1] = 1, [2] = 2 }, new Dictionary<long, double> { [2] = 10, [3] = 5 }])
            .Should().Equal(new Dictionary<long, double> { [1] = 1, [2] = 12, [3] = 5 });
    }
}
