using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using MetaCheck.Checks.MackerelPluginSslhandshakeTime;
using MetaCheck.Tests.Support;

namespace MetaCheck.Tests.Checks;

/// <summary>mackerel-plugin-sslhandshake-time against TLS servers on loopback.</summary>
public sealed class MackerelPluginSslhandshakeTimeTests : TlsTestBed
{
    private const string Plugin = "mackerel-plugin-sslhandshake-time";
    private TlsPeer Trusted() => Serve(Ca.Issue(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30)));

    private static string Line(string name) => $@"{Regex.Escape(name)}\t\d+\t\d{{10}}\n";

    [Theory]
    [InlineData("example.com", "example.com", 443, true)]
    [InlineData("example.com:8443", "example.com", 8443, true)]
    [InlineData("//example.com", "example.com", 443, true)]
    [InlineData("https://example.com/path?q=1", "example.com", 443, true)]
    [InlineData("http://example.com", "example.com", 80, false)]
    [InlineData("https://[::1]:8443/", "[::1]", 8443, true)]
    public void Urls_are_normalised_as_the_original_did(string url, string host, int port, bool tls) =>
        MackerelPluginSslhandshakeTime.ParseUrl(url).Should().Be((host, port, tls));

    [Fact]
    public void A_trusted_server_gives_the_three_timings_in_whole_milliseconds()
    {
        var peer = Trusted();
        var r = Box.Run(Plugin, "--ca-file", CaFile, $"https://localhost:{peer.P}/");
        r.Exit.Should().Be(0, r.ToString());
        r.Stdout.Should().MatchRegex("^" + Line("ssl.dnsLookupTime") + Line("ssl.tcphandshakeTime") + Line("ssl.sslhandshakeTime") + "$");
        r.Stderr.Should().BeEmpty();
        peer.HandshakesAtLeast(1).Should().Be(1);
    }

    [Fact]
    public void An_IP_literal_has_a_zero_DNS_time_and_prefix_renames_the_metrics()
    {
        var peer = Trusted();
        var r = Box.Run(Plugin, "-prefix", "edge", "--ca-file", CaFile, $"127.0.0.1:{peer.P}");
        r.Exit.Should().Be(0, r.ToString());
        r.Lines[0].Should().MatchRegex(@"^edge\.dnsLookupTime\t0\t\d{10}$");
        r.Stdout.Should().MatchRegex("^" + Line("edge.dnsLookupTime") + Line("edge.tcphandshakeTime") + Line("edge.sslhandshakeTime") + "$");
    }

    [Fact]
    public void A_handshake_that_hangs_stops_at_the_timeout_with_the_finished_phases_printed()
    {
        using var silent = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        silent.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        silent.Listen(4);
        var port = ((IPEndPoint)silent.LocalEndPoint!).Port;
        var r = Box.Run(Plugin, "--timeout", "0.5", $"https://127.0.0.1:{port}/");
        r.Exit.Should().Be(0, r.ToString());
        r.Stdout.Should().MatchRegex("^" + Line("ssl.dnsLookupTime") + Line("ssl.tcphandshakeTime") + "$");
        r.Stderr.Should().Be($"{Plugin}: TLS handshake with 127.0.0.1:{port}: timed out after 0.5 seconds\n");
        r.Elapsed.Should().BeLessThan(Patience.Bound, "the peer never answers");
    }

    [Fact]
    public void An_untrusted_certificate_leaves_out_the_handshake_time_with_one_line_on_stderr()
    {
        var peer = Trusted();
        var r = Box.Run(Plugin, $"https://localhost:{peer.P}/");
        r.Exit.Should().Be(0, r.ToString());
        r.Stdout.Should().MatchRegex("^" + Line("ssl.dnsLookupTime") + Line("ssl.tcphandshakeTime") + "$");
        r.Stderr.Should().MatchRegex($@"^{Plugin}: TLS handshake with localhost:{peer.Port} \([^)]+\): the issuer is unknown \(incomplete chain or untrusted CA\)\n$");
    }

    [Fact]
    public void A_refused_connection_prints_only_the_DNS_time()
    {
        using var closed = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        closed.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var port = ((IPEndPoint)closed.LocalEndPoint!).Port;
        var r = Box.Run(Plugin, $"127.0.0.1:{port}");
        (r.Exit, r.Stderr).Should().Be((0, $"{Plugin}: connect to 127.0.0.1:{port}: connection refused\n"));
        r.Stdout.Should().MatchRegex(@"^ssl\.dnsLookupTime\t0\t\d{10}\n$");
    }

    [Fact]
    public void An_unresolvable_host_prints_nothing_on_stdout()
    {
        var r = Box.Run(Plugin, "--timeout", "5", "https://no-such-host.invalid/");
        (r.Exit, r.Stdout).Should().Be((0, ""));
        r.Stderr.Should().StartWith($"{Plugin}: cannot resolve host 'no-such-host.invalid': ");
        r.Stderr.TrimEnd('\n').Should().NotContain("\n");
    }

    [Fact]
    public void Http_urls_measure_no_handshake()
    {
        var peer = Trusted();
        var r = Box.Run(Plugin, $"http://127.0.0.1:{peer.P}/");
        r.Exit.Should().Be(0, r.ToString());
        r.Stdout.Should().MatchRegex(@"^ssl\.dnsLookupTime\t0\t\d{10}\n" + Line("ssl.tcphandshakeTime") + @"ssl\.sslhandshakeTime\t0\t\d{10}\n$");
    }

    [Fact]
    public void Meta_mode_prints_the_graph_definition_without_connecting()
    {
        Box.Env["MACKEREL_AGENT_PLUGIN_META"] = "1";
        var peer = Trusted();
        var r = Box.Run(Plugin, $"https://localhost:{peer.P}/");
        (r.Exit, r.Stdout).Should().Be((0, "# mackerel-agent-plugin\n" +
            """{"graphs":{"ssl":{"label":"Ssl_connection_time","unit":"float","metrics":[{"name":"dnsLookupTime","label":"dnsLookupTime","stacked":false},{"name":"tcphandshakeTime","label":"tcphandshakeTime","stacked":false},{"name":"sslhandshakeTime","label":"sslhandshakeTime","stacked":false}]}}}""" + "\n"));
        Thread.Sleep(200);
        peer.Handshakes.Should().Be(0);
        var prefixed = Box.Run(Plugin, "-prefix", "edge", "https://localhost/");
        prefixed.Stdout.Should().Contain("""{"graphs":{"edge":{"label":"Edge_connection_time",""");
    }

    [Theory]
    [InlineData("", "give the URL to time, e.g. https://www.example.com/")]
    [InlineData("ftp://example.com", "the URL must be https:// or http://, got 'ftp://example.com'")]
    [InlineData("--timeout 0 example.com", "--timeout must be more than 0 seconds")]
    [InlineData("--timeout x example.com", "--timeout takes seconds")]
    [InlineData("--bogus example.com", "unknown option '--bogus'")] // after the URL it is ignored, as Go's flag did
    [InlineData("--ca-file /nonexistent/ca.pem example.com", "cannot read /nonexistent/ca.pem: no such file")]
    public void Bad_input_is_UNKNOWN_with_one_line(string args, string fragment)
    {
        var r = Box.Run(Plugin, args.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        r.Exit.Should().Be(3, r.ToString());
        r.Lines.Should().HaveCount(1, r.ToString());
        r.Stdout.Should().StartWith($"UNKNOWN: {Plugin}: ").And.Contain(fragment);
    }
}
