using MetaCheck.Checks.MackerelPluginGaurunUsage;
using MetaCheck.Tests.Support;

namespace MetaCheck.Tests.Checks;

public sealed class MackerelPluginGaurunUsageTests : IDisposable
{
    private readonly Sandbox _box = new();
    private readonly StubHttpServer _gaurun = new(Stat(3, 100, 2, 50, 0));

    public void Dispose()
    {
        _gaurun.Dispose();
        _box.Dispose();
    }

    /// <summary>The shape of Gaurun's /stat/app.</summary>
    private static StubReply Stat(int usage, int iosOk, int iosErr, int androidOk, int androidErr) => StubReply.Json(
        $$$"""{"queue_max":8192,"queue_usage":{{{usage}}},"pusher_max":16,"pusher_count":0,"ios":{"push_success":{{{iosOk}}},"push_error":{{{iosErr}}}},"android":{"push_success":{{{androidOk}}},"push_error":{{{androidErr}}}}}""");

    private string Port => _gaurun.Port.ToString();

    [Fact]
    public void The_verified_sequence_of_the_original()
    {
        var run = new InProcess(_box, _box.PathOf("proc"));
        var p = Port;
        run.Run(MackerelPluginGaurunUsage.Main, "--port", p).Should().Be((0,
            $"gaurun_{p}.queue_usage.ratio\t0.03662109375\t1700000000\n" +
            $"gaurun_{p}.queue.max\t8192\t1700000000\n" +
            $"gaurun_{p}.queue.usage\t3\t1700000000\n", ""));
        _gaurun.Reply = Stat(0, 130, 12, 40, 0);
        run.Clock.Epoch += 2;
        run.Run(MackerelPluginGaurunUsage.Main, "--port", p).Should().Be((0,
            $"gaurun_{p}.queue_usage.ratio\t0\t1700000002\n" +
            $"gaurun_{p}.queue.max\t8192\t1700000002\n" +
            $"gaurun_{p}.queue.usage\t0\t1700000002\n" +
            $"gaurun_{p}.push_ios.success\t15\t1700000002\n" +
            $"gaurun_{p}.push_ios.error\t5\t1700000002\n" +
            $"gaurun_{p}.push_success_ratio.ios\t75\t1700000002\n" +
            $"gaurun_{p}.push_android.error\t0\t1700000002\n", ""));
        _gaurun.Requests.Should().AllBe("/stat/app");
    }

    [Fact]
    public void No_pushes_is_a_100_percent_success_ratio()
    {
        var run = new InProcess(_box, _box.PathOf("proc"));
        run.Run(MackerelPluginGaurunUsage.Main, "--port", Port);
        run.Clock.Epoch += 60;
        run.Run(MackerelPluginGaurunUsage.Main, "--port", Port).Stdout.Should()
            .Contain($"gaurun_{Port}.push_success_ratio.ios\t100\t").And.Contain($"gaurun_{Port}.push_success_ratio.android\t100\t");
    }

    [Fact]
    public void Fix_a_second_run_in_the_same_second_prints_the_queue_only_and_keeps_the_sample()
    {
        var run = new InProcess(_box, _box.PathOf("proc"));
        run.Run(MackerelPluginGaurunUsage.Main, "--port", Port);
        _gaurun.Reply = Stat(3, 110, 2, 50, 0);
        run.Run(MackerelPluginGaurunUsage.Main, "--port", Port).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Should().HaveCount(3);
        _gaurun.Reply = Stat(3, 130, 2, 50, 0);
        run.Clock.Epoch += 3;
        // 30 pushes since the kept sample of t=0, over 3 s.
        run.Run(MackerelPluginGaurunUsage.Main, "--port", Port).Stdout.Should().Contain($"gaurun_{Port}.push_ios.success\t10\t1700000003\n");
    }

    [Fact]
    public void Graph_definition_is_exact()
    {
        _box.Env["MACKEREL_AGENT_PLUGIN_META"] = "1";
        var r = _box.Run("mackerel-plugin-gaurun-usage", "--port", "1056");
        (r.Exit, r.Stdout).Should().Be((0, "# mackerel-agent-plugin\n" +
            """{"graphs":{"gaurun_1056.queue_usage":{"label":"gaurun(1056) queue_usage/queue_max ratio","unit":"float","metrics":[{"name":"ratio","label":"ratio","stacked":true}]},"gaurun_1056.queue":{"label":"gaurun(1056) queue_usage and queue_max","unit":"integer","metrics":[{"name":"usage","label":"usage"},{"name":"max","label":"max"}]},"gaurun_1056.push_ios":{"label":"gaurun(1056) push to ios/sec","unit":"float","metrics":[{"name":"success","label":"success","stacked":true},{"name":"error","label":"error","stacked":true}]},"gaurun_1056.push_android":{"label":"gaurun(1056) push to android/sec","unit":"float","metrics":[{"name":"success","label":"success","stacked":true},{"name":"error","label":"error","stacked":true}]},"gaurun_1056.push_success_ratio":{"label":"gaurun(1056) succeeded ratio of push notification","unit":"float","metrics":[{"name":"ios","label":"ios"},{"name":"android","label":"android"}]}}}""" + "\n"));
    }

    [Fact]
    public void The_port_is_required_even_for_the_graph_definition()
    {
        _box.Env["MACKEREL_AGENT_PLUGIN_META"] = "1";
        var r = _box.Run("mackerel-plugin-gaurun-usage");
        (r.Exit, r.Stdout).Should().Be((3, "UNKNOWN: mackerel-plugin-gaurun-usage: --port is required: usage: mackerel-plugin-gaurun-usage --port=1056 (see mackerel-plugin-gaurun-usage --help)\n"));
    }

    [Fact]
    public void Two_runs_of_the_binary_one_second_apart()
    {
        _box.Run("mackerel-plugin-gaurun-usage", $"--port={Port}").Lines.Should().HaveCount(3);
        Thread.Sleep(1100);
        _gaurun.Reply = Stat(3, 200, 2, 50, 0);
        var r = _box.Run("mackerel-plugin-gaurun-usage", $"--port={Port}");
        r.Exit.Should().Be(0);
        r.Lines.Select(l => l.Split('\t')[0]).Should().Equal(
            $"gaurun_{Port}.queue_usage.ratio", $"gaurun_{Port}.queue.max", $"gaurun_{Port}.queue.usage",
            $"gaurun_{Port}.push_ios.success", $"gaurun_{Port}.push_ios.error", $"gaurun_{Port}.push_success_ratio.ios",
            $"gaurun_{Port}.push_android.success", $"gaurun_{Port}.push_android.error", $"gaurun_{Port}.push_success_ratio.android");
        r.Lines[3].Should().MatchRegex(@"\t(100|50|33\.3333333333333)\t\d+$"); // 100 pushes over the 1-3 whole seconds between the runs
    }

    [Fact]
    public void Fix_connection_refused_is_UNKNOWN_in_one_line()
    {
        int port = StubHttpServer.RefusedPort();
        var r = _box.Run("mackerel-plugin-gaurun-usage", "--port", port.ToString());
        (r.Exit, r.Stdout).Should().Be((3,
            $"UNKNOWN: mackerel-plugin-gaurun-usage: GET http://127.0.0.1:{port}/stat/app failed: 500 Can't connect to 127.0.0.1:{port} (Connection refused)\n"));
    }

    [Fact]
    public void Fix_an_HTTP_error_is_UNKNOWN_in_one_line()
    {
        _gaurun.Reply = new StubReply(503, "Service Unavailable", "busy");
        var r = _box.Run("mackerel-plugin-gaurun-usage", "--port", Port);
        (r.Exit, r.Stdout).Should().Be((3,
            $"UNKNOWN: mackerel-plugin-gaurun-usage: GET http://127.0.0.1:{Port}/stat/app failed: 503 Service Unavailable\n"));
    }

    [Fact]
    public void Fix_a_server_that_never_answers_times_out()
    {
        _gaurun.Reply = StubReply.Hang();
        var r = _box.Run("mackerel-plugin-gaurun-usage", "--port", Port, "--timeout", "1");
        (r.Exit, r.Stdout).Should().Be((3,
            $"UNKNOWN: mackerel-plugin-gaurun-usage: GET http://127.0.0.1:{Port}/stat/app failed: 500 read timeout after 1 s (127.0.0.1:{Port})\n"));
        r.Elapsed.Should().BeLessThan(Patience.Bound, "the server never answers");
    }

    [Theory]
    [InlineData("not json", "did not return JSON: ")]
    [InlineData("[1,2]", "did not return a JSON object")]
    [InlineData("{\"queue_usage\":1}", "queue_max is undefined")]
    [InlineData("{\"queue_max\":null,\"queue_usage\":1}", "queue_max is undefined")]
    [InlineData("{\"queue_max\":10,\"queue_usage\":\"many\"}", "queue_usage is not a number")]
    [InlineData("{\"queue_max\":10,\"ios\":{\"push_success\":[1]}}", "ios.push_success is not a number")]
    public void Fix_bad_data_is_UNKNOWN_in_one_line_before_any_metric(string body, string message)
    {
        _gaurun.Reply = StubReply.Json(body);
        var r = _box.Run("mackerel-plugin-gaurun-usage", "--port", Port);
        r.Exit.Should().Be(3);
        r.Lines.Should().ContainSingle().Which.Should().StartWith("UNKNOWN: mackerel-plugin-gaurun-usage: http://127.0.0.1:")
            .And.Contain(message);
    }

    [Fact]
    public void Missing_platform_counters_are_zero()
    {
        _gaurun.Reply = StubReply.Json("""{"queue_max":100,"queue_usage":25}""");
        var r = _box.Run("mackerel-plugin-gaurun-usage", "--port", Port);
        r.Exit.Should().Be(0);
        r.Lines[0].Should().StartWith($"gaurun_{Port}.queue_usage.ratio\t25\t");
    }

    [Theory]
    [InlineData("--port", "abc")]
    [InlineData("--port", "70000")]
    [InlineData("--bogus")]
    public void Fix_usage_errors_are_UNKNOWN_in_one_line(params string[] args)
    {
        var r = _box.Run("mackerel-plugin-gaurun-usage", args);
        r.Exit.Should().Be(3);
        r.Lines.Should().ContainSingle().Which.Should().StartWith("UNKNOWN: mackerel-plugin-gaurun-usage: ");
    }
}
