using System.Text;
using System.Text.Json;
using MetaCheck.Checks.AxslogLight;
using MetaCheck.Tests.Support;

namespace MetaCheck.Tests.Checks;

public sealed class AxslogLightTests : IDisposable
{
    private const string Plugin = "mackerel-plugin-axslog-light";
    private readonly Sandbox _box = new();

    public void Dispose() => _box.Dispose();

    private static double? Latency(string line) => AxslogLight.Latency(Encoding.UTF8.GetBytes(line), AxslogLight.LineKeys.Default);

    /// <summary>An access-log line whose nginx latency is request − upstream.</summary>
    private static string Line(string request, string? upstream, string path = "/") =>
        $"time:2026-11-22T05:00:00+00:00\thost:10.0.0.1\treq:GET {path} HTTP/1.1\tstatus:200\tsize:512\trequest_time:{request}" +
        (upstream is null ? "" : $"\tupstream_response_time:{upstream}") + "\n";

    /// <summary>Ten lines with latencies 0.01 … 0.10 in shuffled order (upstream 0.5 each).</summary>
    private static string TenLines() =>
        string.Concat(new[] { 3, 10, 1, 7, 5, 2, 9, 4, 8, 6 }.Select(i => Line((0.5 + i / 100.0).ToString("0.000", System.Globalization.CultureInfo.InvariantCulture), "0.500")));

    private CmdResult Run(string log, params string[] extra) => _box.Run(Plugin, ["--logfile", log, "--key-prefix", "web", .. extra]);

    /// <summary>The printed lines without their timestamps (checked to be one shared epoch).</summary>
    private static string[] Values(CmdResult result)
    {
        result.Exit.Should().Be(0, result.ToString());
        if (result.Stdout.Length == 0) return [];
        var fields = result.Lines.Select(l => l.Split('\t')).ToList();
        fields.Should().OnlyContain(f => f.Length == 3 && f[2] == fields[0][2], result.Stdout);
        long.Parse(fields[0][2]).Should().BeCloseTo(DateTimeOffset.UtcNow.ToUnixTimeSeconds(), 120);
        return [.. fields.Select(f => $"{f[0]} {f[1]}")];
    }

    private static string[] Expect(string average, string p99, string p95, string p90) =>
    [
        $"axslog.latency_web.average {average}", $"axslog.latency_web.99_percentile {p99}",
        $"axslog.latency_web.95_percentile {p95}", $"axslog.latency_web.90_percentile {p90}",
    ];

    // ---- pure functions ----

    [Fact]
    public void The_last_field_is_taken_whole()
    {
        AxslogLight.TryField("a:1\tupstream_response_time:0.123"u8, "upstream_response_time"u8, out var value).Should().BeTrue();
        Encoding.UTF8.GetString(value).Should().Be("0.123", "the original dropped the last character of the last field");
        Latency("request_time:0.250\tupstream_response_time:0.125").Should().Be(0.125);
        Latency("upstream_response_time:0.125\trequest_time:0.250").Should().Be(0.125);
    }

    [Fact]
    public void Fields_stop_at_one_without_a_colon_and_dash_is_absent()
    {
        AxslogLight.TryField("a:1\tjunk\tb:2"u8, "b"u8, out _).Should().BeFalse();
        AxslogLight.TryField("a:1\tb:-\tc:3"u8, "b"u8, out _).Should().BeFalse();
        AxslogLight.TryField("a:1\tb:\tc:3"u8, "b"u8, out var empty).Should().BeTrue();
        empty.Length.Should().Be(0);
        AxslogLight.TryField("a:1\tb:x:y"u8, "b"u8, out var withColon).Should().BeTrue();
        Encoding.UTF8.GetString(withColon).Should().Be("x:y");
    }

    [Fact]
    public void Latency_is_request_minus_upstream_with_missing_upstream_as_zero()
    {
        Latency("request_time:0.300\tupstream_response_time:0.100").Should().BeApproximately(0.2, 1e-12);
        Latency("request_time:0.300").Should().Be(0.3);
        Latency("request_time:0.300\tupstream_response_time:-").Should().Be(0.3);
        Latency("request_time:0.300\tupstream_response_time:").Should().Be(0.3);
        Latency("request_time:0.100\tupstream_response_time:0.300").Should().BeApproximately(-0.2, 1e-12, "it may be negative");
        Latency("request_time:0.300\tupstream_response_time:0.100\r").Should().BeApproximately(0.2, 1e-12);
    }

    [Fact]
    public void Lines_without_a_usable_request_time_are_not_samples()
    {
        Latency("request_time:-\tupstream_response_time:0.1").Should().BeNull();
        Latency("status:200\tupstream_response_time:0.1").Should().BeNull();
        Latency("request_time:0.3\tupstream_response_time:0.1, 0.2").Should().BeNull();
        Latency("request_time:abc").Should().BeNull();
        Latency("request_time:NaN").Should().BeNull();
        Latency("").Should().BeNull();
        Latency("junk request_time:0.3").Should().BeNull();
    }

    [Fact]
    public void Percentile_index_is_round_half_away_from_zero_minus_one()
    {
        var s = AxslogLight.Summarize([.. Enumerable.Range(1, 30).Reverse().Select(i => (double)i)])!.Value;
        (s.Count, s.Average, s.P99, s.P90).Should().Be((30, 15.5, 30.0, 27.0));
        s.P95.Should().Be(29, "30 × 0.95 = 28.5 rounds away from zero to 29 (banker's rounding would give 28)");
        AxslogLight.Summarize([0.25])!.Value.Should().Be(new AxslogLight.Summary(1, 0.25, 0.25, 0.25, 0.25));
        AxslogLight.Summarize([]).Should().BeNull();
        AxslogLight.Six(2).Should().Be("2.000000");
        AxslogLight.Six(0.0125).Should().Be("0.012500");
    }

    // ---- the installed binary ----

    [Fact]
    public void Prints_average_and_percentiles_then_only_the_appended_lines()
    {
        var log = _box.PathOf("access.log");
        File.WriteAllText(log, TenLines());
        Values(Run(log)).Should().Equal(Expect("0.055000", "0.100000", "0.100000", "0.090000"));
        Values(Run(log)).Should().BeEmpty("nothing was appended");
        File.AppendAllText(log, Line("1.500", "0.500") + Line("0.750", null));
        Values(Run(log)).Should().Equal(Expect("0.875000", "1.000000", "1.000000", "1.000000"));
    }

    [Fact]
    public void Overlapping_runs_report_the_same_lines_only_once()
    {
        // ~60 MB: long enough (~0.1 s a read) that runs started together read the same lines at the same time.
        var log = _box.PathOf("access.log");
        var block = string.Concat(Enumerable.Repeat(TenLines(), 100));
        using (var writer = new StreamWriter(log))
            for (int i = 0; i < 230; i++) writer.Write(block);

        var runs = Enumerable.Range(0, 4).Select(_ => _box.Start(Plugin, ["--logfile", log, "--key-prefix", "web"])).ToList();
        var results = runs.Select(p =>
        {
            var stdout = p.StandardOutput.ReadToEnd();
            var stderr = p.StandardError.ReadToEnd();
            p.WaitForExit();
            return (p.ExitCode, Stdout: stdout, Stderr: stderr);
        }).ToList();
        results.Should().OnlyContain(r => r.ExitCode == 0);
        results.Count(r => r.Stdout.Length > 0).Should().Be(1, "the lines are reported by whichever run saves the position first: " +
            string.Join(" | ", results.Select(r => r.Stderr.Trim())));
        Values(Run(log)).Should().BeEmpty("the position is at the end");
    }

    [Fact]
    public void Two_runs_with_a_pause_have_their_own_timestamps_and_lines()
    {
        var log = _box.PathOf("access.log");
        File.WriteAllText(log, Line("0.200", "0.100"));
        var first = Run(log);
        Values(first).Should().Equal(Expect("0.100000", "0.100000", "0.100000", "0.100000"));
        Thread.Sleep(1100);
        File.AppendAllText(log, Line("0.400", "0.100"));
        var second = Run(log);
        Values(second).Should().Equal(Expect("0.300000", "0.300000", "0.300000", "0.300000"));
        long.Parse(second.Lines[0].Split('\t')[2]).Should().BeGreaterThan(long.Parse(first.Lines[0].Split('\t')[2]));
    }

    [Fact]
    public void A_partial_last_line_is_kept_for_the_next_run()
    {
        var log = _box.PathOf("access.log");
        var whole = Line("0.300", "0.100");
        File.WriteAllText(log, Line("0.200", "0.100") + whole[..^8]);
        Values(Run(log)).Should().Equal(Expect("0.100000", "0.100000", "0.100000", "0.100000"));
        File.AppendAllText(log, whole[^8..]);
        Values(Run(log)).Should().Equal(Expect("0.200000", "0.200000", "0.200000", "0.200000"), "the completed line is read whole");
    }

    [Fact]
    public void After_rotation_the_old_tail_and_the_new_file_are_read()
    {
        var log = _box.PathOf("access.log");
        File.WriteAllText(log, Line("9.000", "0.000"));
        Values(Run(log)).Should().HaveCount(4);
        File.AppendAllText(log, Line("0.300", "0.100"));
        File.Move(log, _box.PathOf("access.log.1"));
        File.WriteAllText(log, Line("0.500", "0.100") + Line("0.700", "0.100"));
        Values(Run(log)).Should().Equal(Expect("0.400000", "0.600000", "0.600000", "0.600000"), "0.2 from the old tail, 0.4 and 0.6 from the new file");
        File.AppendAllText(log, Line("1.000", "0.000"));
        Values(Run(log)).Should().Equal(Expect("1.000000", "1.000000", "1.000000", "1.000000"));
    }

    [Fact]
    public void A_rotated_file_that_left_the_directory_only_loses_its_tail()
    {
        var log = _box.PathOf("access.log");
        File.WriteAllText(log, Line("9.000", "0.000"));
        Run(log);
        File.AppendAllText(log, Line("0.300", "0.100"));
        using (new FileStream(log, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))   // so the inode is not reused at once
        {
            File.Delete(log);
            File.WriteAllText(log, Line("0.500", "0.100"));
        }
        Values(Run(log)).Should().Equal(Expect("0.400000", "0.400000", "0.400000", "0.400000"));
    }

    [Fact]
    public void A_truncated_file_is_read_from_the_start()
    {
        var log = _box.PathOf("access.log");
        File.WriteAllText(log, TenLines());
        Run(log);
        File.WriteAllText(log, Line("0.300", "0.100"));   // same inode, shorter than the saved position
        var result = Run(log);
        Values(result).Should().Equal(Expect("0.200000", "0.200000", "0.200000", "0.200000"));
        result.Stderr.Should().Contain("truncated");
    }

    [Fact]
    public void Several_files_are_merged_into_one_set_of_metrics()
    {
        var a = _box.PathOf("a.log");
        var b = _box.PathOf("b.log");
        File.WriteAllText(a, Line("0.200", "0.100"));
        File.WriteAllText(b, Line("0.400", "0.100") + Line("0.600", "0.100"));
        Values(Run($"{a},{b}")).Should().Equal(Expect("0.300000", "0.500000", "0.500000", "0.500000"));
        File.AppendAllText(b, Line("0.800", "0.100"));
        Values(Run($"{a},{b}")).Should().Equal(Expect("0.700000", "0.700000", "0.700000", "0.700000"), "each file keeps its own position");
        Values(Run(a)).Should().BeEmpty("a single file's position is the same entry as in the list");
    }

    [Fact]
    public void The_filter_keeps_only_matching_lines()
    {
        var log = _box.PathOf("access.log");
        File.WriteAllText(log, Line("0.200", "0.100", "/api/x") + Line("0.900", "0.100", "/static/y") + Line("0.400", "0.100", "/api/z"));
        Values(Run(log, "--filter", "/api/")).Should().Equal(Expect("0.200000", "0.300000", "0.300000", "0.300000"));
    }

    [Fact]
    public void Dash_values_missing_upstream_and_unparsable_lines()
    {
        var log = _box.PathOf("access.log");
        File.WriteAllText(log,
            Line("0.200", "-") + Line("0.300", null) + Line("-", "0.100") + Line("0.500", "0.100, 0.200") + "not ltsv at all\n" + "\n" +
            "request_time:0.250\tupstream_response_time:0.125\n");
        var result = Run(log);
        Values(result).Should().Equal(Expect("0.208333", "0.300000", "0.300000", "0.300000"), "samples 0.2, 0.3 and 0.125 (last field whole)");
        result.Stderr.Should().Contain("skipped 3 line(s)");
    }

    [Fact]
    public void Custom_keys_are_used()
    {
        var log = _box.PathOf("access.log");
        File.WriteAllText(log, "reqtime:0.900\tapptime:0.400\trequest_time:5\n");
        Values(Run(log, "--request-time-key", "reqtime", "--upstream-time-key", "apptime"))
            .Should().Equal(Expect("0.500000", "0.500000", "0.500000", "0.500000"));
    }

    [Fact]
    public void More_than_a_gigabyte_pending_is_skipped()
    {
        var log = _box.PathOf("access.log");
        using (var f = File.Create(log)) f.SetLength(AxslogLight.MaxBacklog + 1);   // sparse: no disk used
        var result = Run(log);
        Values(result).Should().BeEmpty();
        result.Stderr.Should().Contain("skipped to the end");
        File.AppendAllText(log, Line("0.200", "0.100"));
        Values(Run(log)).Should().Equal(Expect("0.100000", "0.100000", "0.100000", "0.100000"));
    }

    [Fact]
    public void A_line_over_one_mebibyte_is_skipped_whole_even_when_it_is_completed_later()
    {
        var log = _box.PathOf("access.log");
        File.WriteAllText(log, Line("0.200", "0.100") + "pad:" + new string('x', 1_500_000));
        Values(Run(log)).Should().Equal(Expect("0.100000", "0.100000", "0.100000", "0.100000"));
        // Read from the middle of the long line, this would look like a line with request time 9.
        File.AppendAllText(log, "xx:1\trequest_time:9.000\n" + Line("0.500", "0.100"));
        var result = Run(log);
        Values(result).Should().Equal(Expect("0.400000", "0.400000", "0.400000", "0.400000"));
        result.Stderr.Should().Contain("skipped 1 line(s)");
    }

    [Fact]
    public void A_missing_file_is_one_unknown_line()
    {
        var result = Run(_box.PathOf("nope.log"));
        (result.Exit, result.Stdout).Should().Be((3, $"UNKNOWN: {Plugin}: cannot read {_box.PathOf("nope.log")}: no such file\n"));
        result.Stderr.Should().NotContain("   at ");
    }

    [Fact]
    public void A_missing_file_in_a_list_moves_no_position()
    {
        var a = _box.PathOf("a.log");
        File.WriteAllText(a, Line("0.200", "0.100"));
        Run($"{a},{_box.PathOf("nope.log")}").Exit.Should().Be(3);
        Values(Run(a)).Should().HaveCount(4, "a.log was not consumed by the failed run");
    }

    [Fact]
    public void Usage_errors_are_one_unknown_line()
    {
        var noPrefix = _box.Run(Plugin, "--logfile", _box.PathOf("x"));
        (noPrefix.Exit, noPrefix.Lines.Length).Should().Be((3, 1));
        noPrefix.Stdout.Should().Contain("--key-prefix is required");
        var noLog = _box.Run(Plugin, "--key-prefix", "web");
        (noLog.Exit, noLog.Lines.Length).Should().Be((3, 1));
        noLog.Stdout.Should().Contain("--logfile is required");
        var badPrefix = _box.Run(Plugin, "--logfile", _box.PathOf("x"), "--key-prefix", "a b");
        (badPrefix.Exit, badPrefix.Lines.Length).Should().Be((3, 1));
    }

    [Fact]
    public void Meta_mode_prints_one_graph_in_seconds()
    {
        _box.Env["MACKEREL_AGENT_PLUGIN_META"] = "1";
        var meta = Run(_box.PathOf("not-read.log"));
        meta.Exit.Should().Be(0, meta.ToString());
        meta.Lines[0].Should().Be("# mackerel-agent-plugin");
        meta.Lines[1].Should().Be(
            """{"graphs":{"axslog.latency_web":{"label":"Axslog nginx latency (web), seconds","unit":"float","metrics":[""" +
            """{"name":"average","label":"average","stacked":false},{"name":"99_percentile","label":"99 percentile","stacked":false},""" +
            """{"name":"95_percentile","label":"95 percentile","stacked":false},{"name":"90_percentile","label":"90 percentile","stacked":false}]}}}""");
        using var _ = JsonDocument.Parse(meta.Lines[1]);
    }
}
