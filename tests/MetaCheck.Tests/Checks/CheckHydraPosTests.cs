using MetaCheck.Checks.CheckHydraPos;
using MetaCheck.Checks.Framework;
using MetaCheck.Core;
using MetaCheck.Tests.Support;

namespace MetaCheck.Tests.Checks;

public sealed class CheckHydraPosTests : IDisposable
{
    private const string Log = "/var/log/nginx/access.log";
    private readonly Sandbox _box = new();
    private readonly StubHttpServer _hydra = new(Stats(1000));

    public void Dispose()
    {
        _hydra.Dispose();
        _box.Dispose();
    }

    /// <summary>The shape of fluent-agent-hydra's monitor JSON (sent/files/servers).</summary>
    private static StubReply Stats(object position, string file = Log) => StubReply.Json(
        $$$"""{"sent":{"nginx.access":{"messages":5120,"bytes":1048576}},"files":{"{{{file}}}":{"tag":"nginx.access","position":{{{position}}},"error":""},"/var/log/app/error.log":{"tag":"app.error","position":77,"error":""}},"servers":[{"address":"127.0.0.1:24224","error":"","alive":true}]}""");

    private string Port => _hydra.Port.ToString();

    [Fact]
    public void The_verified_sequence_of_the_original()
    {
        var run = new InProcess(_box, _box.PathOf("proc"));
        run.Run(CheckHydraPos.Main, "-w", "200", "-c", "10", "--file", Log, "--port", Port)
            .Should().Be((0, "OK: first time check\n", ""));
        _hydra.Reply = Stats(1300);
        run.Clock.Epoch += 2;
        run.Run(CheckHydraPos.Main, "-w", "200", "-c", "10", "--file", Log, "--port", Port)
            .Should().Be((1, $"WARNING: 150 position-updated/sec less than 200 ({Log})\n", ""));
        _hydra.Reply = Stats(1305);
        run.Clock.Epoch += 1;
        run.Run(CheckHydraPos.Main, "-w", "200", "-c", "10", "--file", Log, "--port", Port)
            .Should().Be((2, $"CRITICAL: 5 position-updated/sec less than 10 ({Log})\n", ""));
        _hydra.Reply = Stats(1306);
        run.Clock.Epoch += 1;
        run.Run(CheckHydraPos.Main, "--file", Log, "--port", Port)
            .Should().Be((0, $"OK: 1 position-updated/sec ({Log})\n", ""));
        _hydra.Reply = Stats(1309);
        run.Clock.Epoch += 2;
        run.Run(CheckHydraPos.Main, "--file", Log, "--port", Port)
            .Should().Be((0, $"OK: 1.5 position-updated/sec ({Log})\n", ""));
        _hydra.Requests.Should().AllBe("/");
    }

    [Fact]
    public void Fix_two_runs_in_the_same_second_are_UNKNOWN_and_keep_the_previous_sample()
    {
        var run = new InProcess(_box, _box.PathOf("proc"));
        run.Run(CheckHydraPos.Main, "--file", Log, "--port", Port).Exit.Should().Be(0);
        _hydra.Reply = Stats(1100);
        run.Run(CheckHydraPos.Main, "--file", Log, "--port", Port).Should().Be((3,
            $"UNKNOWN: check-hydra-pos: the previous sample of {Log} is less than 1 s old; no rate yet (it is kept for the next run)\n", ""));
        _hydra.Reply = Stats(1400);
        run.Clock.Epoch += 3;
        // 400 bytes since the kept sample of t=0, over 3 s.
        run.Run(CheckHydraPos.Main, "--file", Log, "--port", Port, "-w", "200")
            .Should().Be((1, $"WARNING: 133.333333333333 position-updated/sec less than 200 ({Log})\n", ""));
    }

    [Fact]
    public void A_rotated_file_counts_as_no_progress()
    {
        var run = new InProcess(_box, _box.PathOf("proc"));
        run.Run(CheckHydraPos.Main, "--file", Log, "--port", Port);
        _hydra.Reply = Stats(10);
        run.Clock.Epoch += 60;
        run.Run(CheckHydraPos.Main, "--file", Log, "--port", Port)
            .Should().Be((2, $"CRITICAL: 0 position-updated/sec less than 1 ({Log})\n", ""));
    }

    [Theory]
    [InlineData("false", "0")]
    [InlineData("\"1060\"", "1")]
    public void False_and_numeric_string_positions_read_as_Perl_did(string position, string rate)
    {
        var run = new InProcess(_box, _box.PathOf("proc"));
        _hydra.Reply = Stats(1000);
        run.Run(CheckHydraPos.Main, "--file", Log, "--port", Port, "-w", "0", "-c", "0");
        _hydra.Reply = Stats(position);
        run.Clock.Epoch += 60;
        run.Run(CheckHydraPos.Main, "--file", Log, "--port", Port, "-w", "0", "-c", "0").Stdout
            .Should().Be($"OK: {rate} position-updated/sec ({Log})\n");
    }

    [Fact]
    public void Thresholds_and_state_are_per_file()
    {
        var run = new InProcess(_box, _box.PathOf("proc"));
        run.Run(CheckHydraPos.Main, "--file", Log, "--port", Port).Stdout.Should().Be("OK: first time check\n");
        run.Run(CheckHydraPos.Main, "--file", "/var/log/app/error.log", "--port", Port).Stdout.Should().Be("OK: first time check\n");
    }

    [Fact]
    public void A_file_hydra_does_not_tail_is_NG()
    {
        var r = _box.Run("check-hydra-pos", "--file", "/var/log/other.log", "--port", Port);
        (r.Exit, r.Stdout).Should().Be((1, "NG: hydra does not tail /var/log/other.log\n"));
    }

    [Theory]
    [InlineData("null")]
    [InlineData("absent")]
    public void Fix_a_file_listed_without_a_position_is_NG_as_in_the_original(string position)
    {
        var entry = position == "absent" ? "{\"tag\":\"nginx.access\"}" : $"{{\"tag\":\"nginx.access\",\"position\":{position}}}";
        _hydra.Reply = StubReply.Json($"{{\"files\":{{\"{Log}\":{entry}}}}}");
        var r = _box.Run("check-hydra-pos", "--file", Log, "--port", Port);
        (r.Exit, r.Stdout).Should().Be((1, $"NG: hydra does not tail {Log}\n"));
    }

    [Fact]
    public void Connection_refused_is_NG_with_the_original_text()
    {
        int port = StubHttpServer.RefusedPort();
        var r = _box.Run("check-hydra-pos", "--file", Log, "--port", port.ToString());
        (r.Exit, r.Stdout).Should().Be((1, $"NG: failed to retrive http://127.0.0.1:{port}/: 500 Can't connect to 127.0.0.1:{port} (Connection refused)\n"));
    }

    [Fact]
    public void An_HTTP_error_is_NG_with_the_status_line()
    {
        _hydra.Reply = new StubReply(500, "Internal Server Error", "oops");
        var r = _box.Run("check-hydra-pos", "--file", Log, "--port", Port);
        (r.Exit, r.Stdout).Should().Be((1, $"NG: failed to retrive {_hydra.Url}: 500 Internal Server Error\n"));
    }

    [Fact]
    public void Fix_a_server_that_never_answers_times_out()
    {
        _hydra.Reply = StubReply.Hang();
        var r = _box.Run("check-hydra-pos", "--file", Log, "--port", Port, "--timeout", "1");
        (r.Exit, r.Stdout).Should().Be((1, $"NG: failed to retrive {_hydra.Url}: 500 read timeout after 1 s (127.0.0.1:{Port})\n"));
        r.Elapsed.Should().BeLessThan(Patience.Bound, "the server never answers");
    }

    [Fact]
    public void Fix_a_server_that_hangs_up_is_NG_in_LWP_words()
    {
        _hydra.Reply = StubReply.Close();
        var r = _box.Run("check-hydra-pos", "--file", Log, "--port", Port);
        (r.Exit, r.Stdout).Should().Be((1, $"NG: failed to retrive {_hydra.Url}: 500 Server closed connection without sending any data back\n"));
    }

    [Theory]
    [InlineData("<html>not json</html>", "invalid at line 1, byte 1")]
    [InlineData("{\"files\":\n", "invalid at line 2, byte 1")]
    [InlineData("", "the body is empty")]
    public void Fix_invalid_JSON_is_UNKNOWN_in_one_line(string body, string why)
    {
        _hydra.Reply = StubReply.Json(body);
        var r = _box.Run("check-hydra-pos", "--file", Log, "--port", Port);
        (r.Exit, r.Stdout).Should().Be((3, $"UNKNOWN: check-hydra-pos: {_hydra.Url} did not return JSON: {why}\n"));
    }

    [Fact]
    public void Fix_a_position_that_is_not_a_number_is_UNKNOWN()
    {
        _hydra.Reply = Stats("{\"x\":1}");
        var r = _box.Run("check-hydra-pos", "--file", Log, "--port", Port);
        (r.Exit, r.Stdout).Should().Be((3, $"UNKNOWN: check-hydra-pos: hydra's position of {Log} is not a number\n"));
    }

    [Theory]
    [InlineData("-w", "10")]
    [InlineData("--file", Log, "--port", "0")]
    [InlineData("--file", Log, "-w", "x")]
    [InlineData("--file", Log, "--timeout", "0")]
    [InlineData("--file", Log, "--host", "bad host/name")]
    public void Fix_usage_errors_are_UNKNOWN_in_one_line(params string[] args)
    {
        var r = _box.Run("check-hydra-pos", args);
        r.Exit.Should().Be(3);
        r.Stdout.Should().StartWith("UNKNOWN: check-hydra-pos: ");
        r.Lines.Should().HaveCount(1);
    }

    [Fact]
    public void Double_dash_h_is_help()
    {
        var r = _box.Run("check-hydra-pos", "--h");
        r.Exit.Should().Be(0);
        r.Stdout.Should().Contain("--file");
    }

    [Fact]
    public void Two_runs_of_the_binary_one_second_apart()
    {
        _box.Run("check-hydra-pos", "--file", Log, "--port", Port, "--host", "127.0.0.1").Stdout.Should().Be("OK: first time check\n");
        Thread.Sleep(1100);
        var r = _box.Run("check-hydra-pos", "--file", Log, "--port", Port, "--host", "127.0.0.1");
        (r.Exit, r.Stdout).Should().Be((2, $"CRITICAL: 0 position-updated/sec less than 1 ({Log})\n"));
    }

    [Fact]
    public void Works_as_an_inner_command_of_delay_checker()
    {
        _hydra.Reply = Stats(5, "/other");
        _box.Run("delay-checker", "-c", "2", "--", "check-hydra-pos", "--file", Log, "--port", Port).Stdout
            .Should().Be($"DelayWarn(1/2): NG: hydra does not tail {Log}\n");
        var alert = _box.Run("delay-checker", "-c", "2", "--", "check-hydra-pos", "--file", Log, "--port", Port);
        (alert.Exit, alert.Stdout).Should().Be((1, $"DelayNG(2/2): NG: hydra does not tail {Log}\n"));
    }

    [Theory]
    [InlineData("200:", "10:", 1, "WARNING: 150 position-updated/sec is outside 200: ({0})")]
    [InlineData("~:100", "1", 1, "WARNING: 150 position-updated/sec is outside ~:100 ({0})")] // faster than expected
    [InlineData("1", "@100:150", 2, "CRITICAL: 150 position-updated/sec is within 100:150 ({0})")] // ends included
    [InlineData("200", "@0:149", 1, "WARNING: 150 position-updated/sec less than 200 ({0})")] // plain: below, the original's words
    [InlineData("@0:149", "0:100", 2, "CRITICAL: 150 position-updated/sec is outside 100 ({0})")] // 0:100, said in its shortest form
    [InlineData("0:", "@151:", 0, "OK: 150 position-updated/sec ({0})")]
    public void Rates_take_ranges_as_the_guidelines_say(string w, string c, int exit, string text)
    {
        var run = new InProcess(_box, _box.PathOf("proc"));
        run.Run(CheckHydraPos.Main, "--file", Log, "--port", Port);
        _hydra.Reply = Stats(1300);
        run.Clock.Epoch += 2;
        run.Run(CheckHydraPos.Main, "-w", w, "-c", c, "--file", Log, "--port", Port).Should().Be((exit, string.Format(text, Log) + "\n", ""));
    }

    [Fact]
    public void Perfdata_gives_the_position_then_the_rate_with_the_applied_thresholds()
    {
        var first = _box.Run("check-hydra-pos", "--file", Log, "--port", Port, "--perfdata");
        (first.Exit, first.Stdout).Should().Be((0, "OK: first time check | position=1000c;;;0\n"), "the first run measured the position only");
        Thread.Sleep(1100);
        _hydra.Reply = Stats(1600);
        _box.Env["METACHECK_PERFDATA"] = "1";
        var r = _box.Run("check-hydra-pos", "--file", Log, "--port", Port, "-w", "~:1000000");
        r.Exit.Should().Be(0, r.ToString());
        r.Stdout.Should().MatchRegex($@"^OK: (?<rate>\d+(\.\d+)?) position-updated/sec \({Log}\) \| rate=\k<rate>;~:1000000;1:;0 position=1600c;;;0\n$",
            "600 bytes over 1 s or more, with the default -c 1 (below 1)");
    }

    [Fact]
    public void Verbose_shows_the_two_samples_compared()
    {
        var run = new InProcess(_box, _box.PathOf("proc"));
        run.Run(CheckHydraPos.Main, "--file", Log, "--port", Port, "-v").Stdout
            .Should().Be("OK: first time check\nposition 1000 at 2023-11-14 22:13:20 UTC, kept for the next run\n");
        _hydra.Reply = Stats(1300);
        run.Clock.Epoch += 2;
        run.Run(CheckHydraPos.Main, "--file", Log, "--port", Port, "-v", "-v").Stdout
            .Should().Be($"OK: 150 position-updated/sec ({Log})\nposition 1300 at 2023-11-14 22:13:22 UTC\n" +
                         "previous position 1000 at 2023-11-14 22:13:20 UTC, 2 s earlier\n");
    }

    [Fact]
    public void Dash_t_is_the_timeout()
    {
        _hydra.Reply = StubReply.Hang();
        var r = _box.Run("check-hydra-pos", "--file", Log, "--port", Port, "-t", "1");
        (r.Exit, r.Stdout).Should().Be((1, $"NG: failed to retrive {_hydra.Url}: 500 read timeout after 1 s (127.0.0.1:{Port})\n"));
        _box.Run("check-hydra-pos", "--help").Stdout.Should().Contain("-t, --timeout");
    }

    [Theory]
    [InlineData(0, 10, 1, 6, Status.Critical)]
    [InlineData(0, 10, 6, 5, Status.Warning)]
    [InlineData(0, 10, 5, 5, Status.Ok)]
    public void Rate_is_compared_with_strictly_less_than(long t0, long t1, int w, int c, Status status)
    {
        var previous = new Sample(t0, new Dictionary<string, double> { ["position"] = 0 });
        var current = new Sample(t1, new Dictionary<string, double> { ["position"] = 50 });
        CheckHydraPos.Evaluate(Log, previous, current, ThresholdRange.Below(w), ThresholdRange.Below(c)).Status.Should().Be(status);
    }
}
