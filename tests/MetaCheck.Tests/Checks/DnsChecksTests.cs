using MetaCheck.Checks.CheckResolver;
using MetaCheck.Checks.Dns;
using MetaCheck.Checks.Framework;
using MetaCheck.Core;
using MetaCheck.Tests.Support;

namespace MetaCheck.Tests.Checks;

/// <summary>The DNS client and the checks on it, against a real dnsmasq on loopback.</summary>
public sealed class DnsChecksTests : IDisposable
{
    private static readonly string[] Zone =
    [
        "192.0.2.1 one.test",
        "192.0.2.21 two.test", "192.0.2.22 two.test",
        "192.0.2.31 three.test", "192.0.2.32 three.test", "192.0.2.33 three.test",
        .. Enumerable.Range(1, 60).Select(i => $"198.51.100.{i} big.test"),
        "2001:db8::1 one.test",
    ];

    private readonly Dnsmasq _dns = new(Zone, "--cname=alias.test,three.test", "--txt-record=txt.test,hello world", "--mx-host=mx.test,one.test,10");
    private readonly Sandbox _box = new();

    public void Dispose()
    {
        _box.Dispose();
        _dns.Dispose();
    }

    [Fact]
    public void The_client_decodes_every_supported_record_type_from_a_real_server()
    {
        var timeout = Patience.Bound;
        DnsClient.Query(_dns.EndPoint, "three.test", DnsType.A, timeout).Answers.Select(a => a.Data)
            .Should().BeEquivalentTo(["192.0.2.31", "192.0.2.32", "192.0.2.33"]);
        DnsClient.Query(_dns.EndPoint, "one.test", DnsType.AAAA, timeout).Answers.Single().Data.Should().Be("2001:db8::1");
        var alias = DnsClient.Query(_dns.EndPoint, "alias.test", DnsType.A, timeout).Answers;
        alias.First().Should().Match<DnsRecord>(r => r.Is(DnsType.CNAME) && r.Data == "three.test");
        DnsClient.Query(_dns.EndPoint, "txt.test", DnsType.TXT, timeout).Answers.Single().Data.Should().Be("hello world");
        DnsClient.Query(_dns.EndPoint, "mx.test", DnsType.MX, timeout).Answers.Single().Data.Should().Be("10 one.test");
        DnsClient.Query(_dns.EndPoint, "nothing.test", DnsType.A, timeout).ResponseCode.Should().Be(DnsResponse.NxDomain);
    }

    [Fact]
    public void A_truncated_UDP_answer_is_retried_over_TCP()
    {
        var response = DnsClient.Query(_dns.EndPoint, "big.test", DnsType.A, Patience.Bound);
        response.Truncated.Should().BeFalse();
        response.Answers.Should().HaveCount(60);
    }

    [Theory]
    [InlineData("nothing.test", 2, "CRITICAL: 0 dns-rr hosts found < 2\n")]
    [InlineData("one.test", 2, "CRITICAL: 1 dns-rr hosts found < 2\n")]
    [InlineData("two.test", 1, "WARNING: 2 dns-rr hosts found < 3\n")]
    [InlineData("three.test", 0, "OK: 3 dns-rr hosts found\n")]
    [InlineData("alias.test", 0, "OK: 3 dns-rr hosts found\n")]
    [InlineData("big.test", 0, "OK: 60 dns-rr hosts found\n")]
    public void Check_dns_rr_counts_A_records(string host, int exit, string stdout)
    {
        var r = _box.Run("check-dns-rr", "-w", "3", "--host", host, "--server", _dns.Server);
        (r.Exit, r.Stdout).Should().Be((exit, stdout));
    }

    [Fact]
    public void Fix_check_dns_rr_with_no_answering_server_is_UNKNOWN_not_zero_hosts()
    {
        using var closed = new System.Net.Sockets.UdpClient(0);
        var port = ((System.Net.IPEndPoint)closed.Client.LocalEndPoint!).Port;
        closed.Close();
        var r = _box.Run("check-dns-rr", "--host", "one.test", "--server", $"127.0.0.1:{port}", "--timeout", "0.5");
        r.Exit.Should().Be(3);
        r.Stdout.Should().StartWith("UNKNOWN: check-dns-rr: cannot count A records of one.test: ");
    }

    [Fact]
    public void Fix_a_server_that_refuses_at_once_is_reported_as_refusing_not_as_silent()
    {
        using var closed = new System.Net.Sockets.UdpClient(0);
        var port = ((System.Net.IPEndPoint)closed.Client.LocalEndPoint!).Port;
        closed.Close();
        var refused = $"127.0.0.1:{port} refused the query (nothing listens on that port)";
        var rr = _box.Run("check-dns-rr", "--host", "one.test", "--server", $"127.0.0.1:{port}", "--timeout", "60");
        (rr.Exit, rr.Stdout).Should().Be((3, $"UNKNOWN: check-dns-rr: cannot count A records of one.test: {refused}\n"));
        rr.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(30), "the refusal ends the wait, not the 60 s timeout");
        _box.Run("check-resolver", "--host", "one.test", "--server", $"127.0.0.1:{port}").Stderr.Should().Be($"check-resolver: {refused}\n");
    }

    [Theory]
    [InlineData("127.1")]
    [InlineData("2130706433")]
    [InlineData("1.5:53")]
    public void Fix_server_addresses_are_real_addresses_not_inet_aton_shorthands(string server)
    {
        var r = _box.Run("check-dns-rr", "--host", "one.test", "--server", server);
        r.Exit.Should().Be(3, r.ToString());
        r.Lines.Should().ContainSingle().Which.Should().StartWith("UNKNOWN: check-dns-rr: ").And.Contain($"'{server}'");
    }

    [Fact]
    public void Fix_dns_lookup_without_a_domain_is_the_usage_line()
    {
        var r = _box.Run("mackerel-plugin-dns-lookup", "-s", "127.0.0.1", "-p", _dns.Port.ToString());
        (r.Exit, r.Stdout).Should().Be((3, "UNKNOWN: mackerel-plugin-dns-lookup: --domain is required, e.g. -d example.com (see mackerel-plugin-dns-lookup --help)\n"));
    }

    [Theory]
    [InlineData("check-dns-rr", "--server", "not-an-ip")]
    [InlineData("check-dns-rr", "-w", "x")]
    [InlineData("check-resolver", "-c", "abc")]
    [InlineData("check-resolver", "--timeout", "0x")]
    public void Bad_values_are_UNKNOWN(string command, string option, string value)
    {
        var r = _box.Run(command, "--host", "one.test", option, value);
        r.Exit.Should().Be(3, r.ToString());
        r.Lines.Should().ContainSingle().Which.Should().StartWith($"UNKNOWN: {command}: ");
    }

    [Fact]
    public void Host_is_required()
    {
        _box.Run("check-dns-rr").Stdout.Should().StartWith("UNKNOWN: check-dns-rr: --host is required");
        _box.Run("check-resolver").Exit.Should().Be(3);
    }

    [Fact]
    public void Check_resolver_times_the_lookup()
    {
        var r = _box.Run("check-resolver", "--host", "one.test", "--server", _dns.Server);
        r.Exit.Should().Be(0);
        r.Stdout.Should().MatchRegex(@"^OK: elapsed_time [0-9.e-]+ sec \(one\.test IN A 192\.0\.2\.1\)\n$");
        var picked = _box.Run("check-resolver", "--host", "three.test", "--server", _dns.Server).Stdout;
        picked.Should().MatchRegex(@"\(three\.test IN A 192\.0\.2\.3[123]\)\n$");
    }

    [Fact]
    public void Check_resolver_thresholds_are_strictly_greater()
    {
        var warn = _box.Run("check-resolver", "-w", "0.000001", "--host", "one.test", "--server", _dns.Server);
        warn.Exit.Should().Be(1);
        warn.Stdout.Should().MatchRegex(@"^WARNING: elapsed_time [0-9.e-]+ sec > 1e-06 \(one\.test IN A 192\.0\.2\.1\)\n$");
        var crit = _box.Run("check-resolver", "-c", "0.000001", "--host", "one.test", "--server", _dns.Server);
        crit.Exit.Should().Be(2);
        crit.Stdout.Should().StartWith("CRITICAL: elapsed_time ");
    }

    [Fact]
    public void Check_resolver_answers_an_IPv4_literal_without_DNS()
    {
        var r = _box.Run("check-resolver", "--host", "192.0.2.7", "--server", "127.0.0.1:9");
        r.Exit.Should().Be(0);
        r.Stdout.Should().MatchRegex(@"^OK: elapsed_time [0-9.e-]+ sec \(192\.0\.2\.7 IN A 192\.0\.2\.7\)\n$");
    }

    [Fact]
    public void Check_resolver_reports_an_unresolvable_name_as_CRITICAL()
    {
        var r = _box.Run("check-resolver", "--host", "nothing.test", "--server", _dns.Server);
        r.Exit.Should().Be(2);
        r.Stdout.Should().MatchRegex(@"^CRITICAL: hosts not found in [0-9.e-]+ sec\n$");
    }

    [Fact]
    public void Check_dns_rr_as_the_inner_command_of_delay_checker()
    {
        string[] args = ["-c", "2", "--", "check-dns-rr", "-c", "4", "--host", "three.test", "--server", _dns.Server];
        _box.Run("delay-checker", args).Stdout.Should().Be("DelayWarn(1/2): CRITICAL: 3 dns-rr hosts found < 4\n");
        var alert = _box.Run("delay-checker", args);
        (alert.Exit, alert.Stdout).Should().Be((2, "DelayNG(2/2): CRITICAL: 3 dns-rr hosts found < 4\n"));
    }

    [Fact]
    public void Check_resolver_as_the_inner_command_of_delay_checker()
    {
        string[] args = ["-c", "2", "--", "check-resolver", "--host", "nothing.test", "--server", _dns.Server];
        _box.Run("delay-checker", args).Stdout.Should().MatchRegex(@"^DelayWarn\(1/2\): CRITICAL: hosts not found in [0-9.e-]+ sec\n$");
        var alert = _box.Run("delay-checker", args);
        alert.Exit.Should().Be(2);
        alert.Stdout.Should().StartWith("DelayNG(2/2): CRITICAL: hosts not found in ");
    }

    [Theory]
    [InlineData("-w 4 -c 3", 1, "WARNING: 3 dns-rr hosts found < 4")]                // plain: fewer than, as the original
    [InlineData("-w 4: -c 2:", 1, "WARNING: 3 dns-rr hosts found (outside 4:)")]
    [InlineData("-w ~:2 -c ~:5", 1, "WARNING: 3 dns-rr hosts found (outside ~:2)")]   // more members than expected
    [InlineData("-w 1 -c @3:3", 2, "CRITICAL: 3 dns-rr hosts found (within 3:3)")]    // ends included
    [InlineData("-w @0:2 -c 10:20", 2, "CRITICAL: 3 dns-rr hosts found (outside 10:20)")]
    [InlineData("-w @0:2 -c @10:20", 0, "OK: 3 dns-rr hosts found")]
    public void Check_dns_rr_ranges_alert_as_the_guidelines_say(string thresholds, int exit, string line)
    {
        var r = _box.Run("check-dns-rr", [.. thresholds.Split(' '), "--host", "three.test", "--server", _dns.Server]);
        (r.Exit, r.Stdout).Should().Be((exit, line + "\n"));
    }

    [Fact]
    public void Check_dns_rr_perfdata_gives_the_count_with_the_applied_thresholds_and_the_lookup_time()
    {
        var r = _box.Run("check-dns-rr", "-w", "4", "--host", "three.test", "--server", _dns.Server, "--perfdata");
        r.Exit.Should().Be(1);
        r.Stdout.Should().MatchRegex(@"^WARNING: 3 dns-rr hosts found < 4 \| records=3;4:;2:;0 time=\d+(\.\d{1,6})?s;;;0\n$");
        _box.Env["METACHECK_PERFDATA"] = "1";
        r = _box.Run("check-dns-rr", "-c", "~:1", "--host", "nothing.test", "--server", _dns.Server);
        r.Exit.Should().Be(1, "0 is not above 1, but below the default -w 2");
        r.Stdout.Should().MatchRegex(@"^WARNING: 0 dns-rr hosts found < 2 \| records=0;2:;~:1;0 time=\d+(\.\d{1,6})?s;;;0\n$");
    }

    [Fact]
    public void Check_dns_rr_verbose_lists_the_answer_after_the_alias()
    {
        var r = _box.Run("check-dns-rr", "--host", "alias.test", "--server", _dns.Server, "-v");
        r.Exit.Should().Be(0);
        r.Lines[0].Should().Be("OK: 3 dns-rr hosts found");
        r.Lines[1].Should().Be("alias.test is an alias of three.test");
        r.Lines.Skip(2).Should().BeEquivalentTo("three.test IN A 192.0.2.31", "three.test IN A 192.0.2.32", "three.test IN A 192.0.2.33");
        r = _box.Run("check-dns-rr", "--host", "nothing.test", "--server", _dns.Server, "--verbose");
        (r.Exit, r.Stdout).Should().Be((2, "CRITICAL: 0 dns-rr hosts found < 2\nnothing.test: no A record (NXDOMAIN)\n"));
    }

    [Fact]
    public void Dns_checks_take_t_as_their_timeout()
    {
        using var silent = new System.Net.Sockets.UdpClient(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        var server = $"127.0.0.1:{((System.Net.IPEndPoint)silent.Client.LocalEndPoint!).Port}";
        var rr = _box.Run("check-dns-rr", "--host", "one.test", "--server", server, "-t", "0.5");
        (rr.Exit, rr.Stdout).Should().Be((3, $"UNKNOWN: check-dns-rr: cannot count A records of one.test: no answer from {server} within 0.5 s\n"));
        var resolver = _box.Run("check-resolver", "--host", "one.test", "--server", server, "-t", "0.5", "--perfdata");
        (resolver.Exit, resolver.Stderr).Should().Be((2, $"check-resolver: no answer from {server} within 0.5 s\n"));
        resolver.Stdout.Should().MatchRegex(@"^CRITICAL: hosts not found in [0-9.e-]+ sec \| time=\d+(\.\d{1,6})?s;~:2;~:2;0\n$", "the time was measured all the same");
    }

    [Theory]
    [InlineData("~:0.5", "~:1", 0.6, Status.Warning, "WARNING: elapsed_time 0.6 sec is outside ~:0.5 (one.test IN A 192.0.2.1)")]
    [InlineData("0.001:", "0.0001:", 0.00005, Status.Critical, "CRITICAL: elapsed_time 5e-05 sec is outside 0.0001: (one.test IN A 192.0.2.1)")]
    [InlineData("@0:0.5", "@0:0.1", 0.1, Status.Critical, "CRITICAL: elapsed_time 0.1 sec is within 0:0.1 (one.test IN A 192.0.2.1)")]
    [InlineData("@0:0.5", "@0:0.1", 0.6, Status.Ok, "OK: elapsed_time 0.6 sec (one.test IN A 192.0.2.1)")]
    [InlineData("0.5", "1", 0.6, Status.Warning, "WARNING: elapsed_time 0.6 sec is outside 0.5 (one.test IN A 192.0.2.1)")] // the guidelines' 0:0.5
    public void Check_resolver_ranges_alert_as_the_guidelines_say(string w, string c, double elapsed, Status status, string text)
    {
        var warning = Ranges.Parse(w);
        var critical = Ranges.Parse(c);
        var result = CheckResolver.Evaluate("one.test", "192.0.2.1", elapsed, warning, critical);
        (result.Status, result.Text).Should().Be((status, text));
        result.Perfdata.Should().Equal(new PerfValue("time", elapsed, "s", warning, critical, 0));
    }

    [Fact]
    public void Check_resolver_plain_thresholds_keep_the_original_words()
    {
        var result = CheckResolver.Evaluate("one.test", "192.0.2.1", 0.6, ThresholdRange.Above(0.5), ThresholdRange.Above(2));
        (result.Status, result.Text).Should().Be((Status.Warning, "WARNING: elapsed_time 0.6 sec > 0.5 (one.test IN A 192.0.2.1)"));
        CheckResolver.Evaluate("one.test", null, 5.000412, ThresholdRange.Above(2), ThresholdRange.Above(2)).Text.Should().Be("CRITICAL: hosts not found in 5.000412 sec");
    }

    [Fact]
    public void Check_resolver_perfdata_gives_the_lookup_time_with_the_applied_thresholds()
    {
        var r = _box.Run("check-resolver", "--host", "one.test", "--server", _dns.Server, "--perfdata");
        r.Exit.Should().Be(0);
        r.Stdout.Should().MatchRegex(@"^OK: elapsed_time [0-9.e-]+ sec \(one\.test IN A 192\.0\.2\.1\) \| time=\d+(\.\d{1,6})?s;~:2;~:2;0\n$");
        _box.Env["METACHECK_PERFDATA"] = "1";
        r = _box.Run("check-resolver", "-w", "600:", "-c", "5m", "--host", "one.test", "--server", _dns.Server);
        r.Exit.Should().Be(1, "a lookup never takes 10 minutes");
        r.Stdout.Should().MatchRegex(@"^WARNING: elapsed_time [0-9.e-]+ sec is outside 600: \(one\.test IN A 192\.0\.2\.1\) \| time=\d+(\.\d{1,6})?s;600:;~:300;0\n$");
    }

    [Fact]
    public void Check_resolver_verbose_lists_every_address()
    {
        var r = _box.Run("check-resolver", "--host", "three.test", "--server", _dns.Server, "-v");
        r.Exit.Should().Be(0);
        r.Lines.Skip(1).Should().BeEquivalentTo("three.test IN A 192.0.2.31", "three.test IN A 192.0.2.32", "three.test IN A 192.0.2.33");
        r = _box.Run("check-resolver", "--host", "192.0.2.7", "-v");
        r.Lines.Skip(1).Should().Equal("192.0.2.7 is an IPv4 address: answered without DNS");
    }

    private static string[] Names(CmdResult r) => r.Lines.Select(l => l.Split('\t')[0]).ToArray();

    private static Dictionary<string, string> Values(CmdResult r) =>
        r.Lines.Select(l => l.Split('\t')).ToDictionary(f => f[0], f => f[1]);

    [Fact]
    public void Dns_lookup_reports_response_time_percentiles_in_whole_milliseconds()
    {
        var r = _box.Run("mackerel-plugin-dns-lookup", "-s", "127.0.0.1", "-p", _dns.Port.ToString(), "-d", "three.test", "-n", "20", "--threads", "2");
        r.Exit.Should().Be(0, r.ToString());
        Names(r).Should().Equal("responce.min", "responce.max", "responce.avg", "responce.p95", "responce.p99");
        r.Lines.Should().OnlyContain(l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^responce\.\w+\t\d+\t\d{10}$"));
        var v = Values(r).ToDictionary(kv => kv.Key["responce.".Length..], kv => long.Parse(kv.Value));
        v["min"].Should().BeLessThanOrEqualTo(v["avg"]);
        v["avg"].Should().BeLessThanOrEqualTo(v["max"]);
        v["p95"].Should().BeLessThanOrEqualTo(v["p99"]);
        r.Stderr.Should().BeEmpty();
    }

    [Theory]
    [InlineData("txt", "txt.test")]
    [InlineData("ptr", "192.0.2.1")]
    [InlineData("mx", "mx.test")]
    [InlineData("a", "big.test")]
    public void Dns_lookup_asks_each_type(string type, string domain)
    {
        var r = _box.Run("mackerel-plugin-dns-lookup", "-s", "127.0.0.1", "-p", _dns.Port.ToString(), "-d", domain, "-t", type, "-n", "2");
        r.Stderr.Should().BeEmpty($"{type} {domain} is answered");
        Names(r).Should().HaveCount(5);
    }

    [Fact]
    public void Fix_dns_lookup_failures_go_to_stderr_not_into_the_metrics()
    {
        var r = _box.Run("mackerel-plugin-dns-lookup", "-s", "127.0.0.1", "-p", _dns.Port.ToString(), "-d", "nothing.test", "-n", "3");
        r.Exit.Should().Be(0);
        Values(r).Values.Should().OnlyContain(v => v == "0", "no successful lookup: all five metrics are 0, as in the original");
        r.Stderr.Should().Contain("nothing.test: NXDOMAIN");
    }

    [Fact]
    public void Fix_dns_lookup_meta_mode_does_no_lookups()
    {
        _box.Env["MACKEREL_AGENT_PLUGIN_META"] = "1";
        var r = _box.Run("mackerel-plugin-dns-lookup", "-s", "127.0.0.1", "-p", "9", "-d", "google.com");
        (r.Exit, r.Stdout).Should().Be((0, "# mackerel-agent-plugin\n" +
            "{\"graphs\":{\"responce\":{\"label\":\"dns-google-com\",\"unit\":\"float\",\"metrics\":[" +
            "{\"name\":\"min\",\"label\":\"min\",\"stacked\":false},{\"name\":\"max\",\"label\":\"max\",\"stacked\":false}," +
            "{\"name\":\"avg\",\"label\":\"avg\",\"stacked\":false},{\"name\":\"p95\",\"label\":\"p95\",\"stacked\":false}," +
            "{\"name\":\"p99\",\"label\":\"p99\",\"stacked\":false}]}}}\n"));
    }

    [Theory]
    [InlineData("-t", "bogus")]
    [InlineData("--protocol", "sctp")]
    [InlineData("-p", "70000")]
    [InlineData("-s", "dns.example")]
    [InlineData("-s", "127.1")]
    [InlineData("-t", "ptr")] // -d one.test is not an address

    public void Dns_lookup_bad_values_are_UNKNOWN(string option, string value)
    {
        var r = _box.Run("mackerel-plugin-dns-lookup", "-d", "one.test", option, value);
        r.Exit.Should().Be(3, r.ToString());
        r.Lines.Should().ContainSingle().Which.Should().StartWith("UNKNOWN: mackerel-plugin-dns-lookup: ");
    }

    [Fact]
    public void Dns_lookup_percentile_indexes_follow_the_original()
    {
        var twenty = Enumerable.Range(1, 20).Select(i => (long)i).ToList();
        var s = MetaCheck.Checks.DnsLookup.DnsLookup.Summarise(twenty);
        // avg 210/20 truncated; p95 at index floor(20*95/100)-1 = 18, p99 at floor(19.8)-1 = 18
        (s["min"], s["max"], s["avg"], s["p95"], s["p99"]).Should().Be((1, 20, 10, 19, 19));
        MetaCheck.Checks.DnsLookup.DnsLookup.Summarise([7])["p95"].Should().Be(0, "floor(1*95/100)-1 = -1 gives 0");
    }

    [Fact]
    public void Dns_healthcheck_graphs_success_rtt_and_answer_count()
    {
        var r = _box.Run("mackerel-plugin-dns-healthcheck", "-s", _dns.Server, "-d", "three.test", "--expect", "192.0.2.32");
        r.Exit.Should().Be(0, r.ToString());
        Names(r).Should().Equal("dns-healthcheck.available.success", "dns-healthcheck.rtt.milliseconds", "dns-healthcheck.answers.count");
        Values(r)["dns-healthcheck.available.success"].Should().Be("1");
        Values(r)["dns-healthcheck.answers.count"].Should().Be("3");
        double.Parse(Values(r)["dns-healthcheck.rtt.milliseconds"], System.Globalization.CultureInfo.InvariantCulture).Should().BeGreaterThan(0);
    }

    [Theory]
    [InlineData("nothing.test", null, "0", "0", true)]      // NXDOMAIN: answered, so rtt is known
    [InlineData("three.test", "192.0.2.99", "0", "3", true)] // wrong answer
    public void Dns_healthcheck_reports_wrong_answers_as_unavailable(string domain, string? expect, string success, string count, bool hasRtt)
    {
        string[] args = expect is null ? ["-s", _dns.Server, "-d", domain] : ["-s", _dns.Server, "-d", domain, "-e", expect];
        var r = _box.Run("mackerel-plugin-dns-healthcheck", args);
        var v = Values(r);
        (v["dns-healthcheck.available.success"], v["dns-healthcheck.answers.count"]).Should().Be((success, count));
        v.ContainsKey("dns-healthcheck.rtt.milliseconds").Should().Be(hasRtt);
        r.Stderr.Should().NotBeEmpty();
    }

    [Fact]
    public void Dns_healthcheck_of_a_silent_server_is_unavailable_without_rtt()
    {
        var r = _box.Run("mackerel-plugin-dns-healthcheck", "-s", "127.0.0.1:9", "-d", "one.test", "--timeout", "300", "--metric-key-prefix", "dns-a");
        r.Exit.Should().Be(0);
        Names(r).Should().Equal("dns-a.available.success", "dns-a.answers.count");
        Values(r)["dns-a.available.success"].Should().Be("0");
    }
}

/// <summary>The response parser never fails other than with DnsFormatException, whatever it is fed.</summary>
public sealed class DnsParserFuzzTests
{
    /// <summary>A hand-built response: one question, A + CNAME + MX + TXT answers using compression pointers.</summary>
    private static byte[] ValidResponse()
    {
        var m = new List<byte> { 0x12, 0x34, 0x81, 0x80, 0, 1, 0, 4, 0, 0, 0, 0 };
        m.AddRange([3, (byte)'w', (byte)'w', (byte)'w', 4, (byte)'t', (byte)'e', (byte)'s', (byte)'t', 0, 0, 1, 0, 1]);
        void Record(ushort type, byte[] data)
        {
            m.AddRange([0xC0, 12, (byte)(type >> 8), (byte)type, 0, 1, 0, 0, 0x0e, 0x10, (byte)(data.Length >> 8), (byte)data.Length]);
            m.AddRange(data);
        }
        Record(1, [192, 0, 2, 1]);
        Record(5, [3, (byte)'a', (byte)'b', (byte)'c', 0xC0, 16]);
        Record(15, [0, 10, 0xC0, 12]);
        Record(16, [5, (byte)'h', (byte)'e', (byte)'l', (byte)'l', (byte)'o']);
        return m.ToArray();
    }

    private static void ParseOrFormatError(byte[] bytes)
    {
        try
        {
            DnsMessage.Parse(bytes);
        }
        catch (DnsFormatException)
        {
        }
    }

    [Fact]
    public void The_hand_built_response_parses()
    {
        var r = DnsMessage.Parse(ValidResponse());
        r.Answers.Select(a => a.Data).Should().Equal("192.0.2.1", "abc.test", "10 www.test", "hello");
        r.Answers[0].Name.Should().Be("www.test");
        r.Answers[0].Ttl.Should().Be(3600u);
    }

    [Fact]
    public void Every_truncation_is_a_format_error()
    {
        var valid = ValidResponse();
        for (int length = 0; length < valid.Length; length++)
            FluentActions.Invoking(() => DnsMessage.Parse(valid.AsSpan(0, length))).Should().Throw<DnsFormatException>($"cut at {length}");
    }

    [Fact]
    public void Random_mutations_and_garbage_never_escape_as_another_exception()
    {
        var random = new Random(20261122);
        var valid = ValidResponse();
        for (int i = 0; i < 50_000; i++)
        {
            var mutated = (byte[])valid.Clone();
            for (int flips = random.Next(1, 6); flips > 0; flips--) mutated[random.Next(mutated.Length)] = (byte)random.Next(256);
            ParseOrFormatError(mutated);
            var garbage = new byte[random.Next(0, 600)];
            random.NextBytes(garbage);
            if (garbage.Length > 2) garbage[2] |= 0x80; // mark as a response so the parser goes deeper
            ParseOrFormatError(garbage);
        }
    }

    [Fact]
    public void A_compression_loop_is_detected()
    {
        var loop = new byte[] { 0, 1, 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0, 0xC0, 12, 0, 1, 0, 1 };
        FluentActions.Invoking(() => DnsMessage.Parse(loop)).Should().Throw<DnsFormatException>().WithMessage("*loop*");
    }

    [Fact]
    public void Resolv_conf_and_the_search_order()
    {
        var conf = ResolvConf.Parse("# comment\nnameserver 192.0.2.53\nnameserver ::1\nsearch corp.test test.\noptions ndots:2 timeout:3 attempts:4\n");
        conf.Servers.Select(s => s.ToString()).Should().Equal("192.0.2.53:53", "[::1]:53");
        (conf.Ndots, conf.Timeout, conf.Attempts).Should().Be((2, TimeSpan.FromSeconds(3), 4));
        var resolver = new StubResolver(conf);
        resolver.Candidates("db").Should().Equal("db.corp.test", "db.test", "db");
        resolver.Candidates("a.b.c").Should().Equal("a.b.c", "a.b.c.corp.test", "a.b.c.test");
        resolver.Candidates("abs.example.").Should().Equal("abs.example");
    }
}
