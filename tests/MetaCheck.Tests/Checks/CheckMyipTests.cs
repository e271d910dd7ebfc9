using System.Net;
using System.Net.Sockets;
using MetaCheck.Checks.CheckMyip;
using MetaCheck.Checks.Framework;
using MetaCheck.Core;
using MetaCheck.Tests.Support;

namespace MetaCheck.Tests.Checks;

public sealed class CheckMyipTests : IDisposable
{
    private readonly Sandbox _box = new();
    private readonly TcpListener _peer = new(IPAddress.Loopback, 0);

    public CheckMyipTests() => _peer.Start();

    public void Dispose()
    {
        _peer.Stop();
        _box.Dispose();
    }

    private string Port => ((IPEndPoint)_peer.LocalEndpoint).Port.ToString();

    [Fact]
    public void Fix_prints_the_source_address_using_the_given_port()
    {
        var r = _box.Run("check-myip", "127.0.0.1", Port);
        (r.Exit, r.Stdout).Should().Be((0, "127.0.0.1\n"));
        // The original always dialled 18778; the connection must have reached our peer's port.
        _peer.Pending().Should().BeTrue();
    }

    [Fact]
    public void Resolves_a_host_name()
    {
        var r = _box.Run("check-myip", "localhost", Port);
        r.Exit.Should().Be(0);
        r.Stdout.Should().BeOneOf("127.0.0.1\n", "::1\n");
    }

    [Fact]
    public void Expected_network_is_OK()
    {
        var r = _box.Run("check-myip", "--expect", "127.0.0.0/8", "127.0.0.1", Port);
        (r.Exit, r.Stdout).Should().Be((0, $"OK: source address 127.0.0.1 towards 127.0.0.1:{Port} is in 127.0.0.0/8\n"));
    }

    [Fact]
    public void Any_of_several_expected_addresses_is_OK()
    {
        var r = _box.Run("check-myip", "--expect", "192.0.2.1,2001:db8::/32", "--expect", "127.0.0.1", "127.0.0.1", Port);
        (r.Exit, r.Stdout).Should().Be((0, $"OK: source address 127.0.0.1 towards 127.0.0.1:{Port} is in 127.0.0.1\n"));
    }

    [Fact]
    public void An_unexpected_address_is_CRITICAL_listing_what_was_expected()
    {
        var r = _box.Run("check-myip", "--expect", "10.0.0.0/8,192.0.2.7", "127.0.0.1", Port);
        (r.Exit, r.Stdout).Should().Be((2, $"CRITICAL: source address 127.0.0.1 towards 127.0.0.1:{Port} is not in 10.0.0.0/8, 192.0.2.7\n"));
    }

    [Fact]
    public void Udp_mode_sends_nothing_and_needs_no_listener()
    {
        int closed = StubHttpServer.RefusedPort();
        var r = _box.Run("check-myip", "--udp", "--expect", "127.0.0.0/8", "127.0.0.1", closed.ToString());
        (r.Exit, r.Stdout).Should().Be((0, $"OK: source address 127.0.0.1 towards 127.0.0.1:{closed} is in 127.0.0.0/8\n"));
    }

    [Fact]
    public void IPv6_peer_in_brackets()
    {
        if (!Socket.OSSupportsIPv6) return;
        using var v6 = new TcpListener(IPAddress.IPv6Loopback, 0);
        try { v6.Start(); } catch (SocketException) { return; } // no ::1 on this host
        var port = ((IPEndPoint)v6.LocalEndpoint).Port;
        var r = _box.Run("check-myip", "--expect", "::1", "[::1]", port.ToString());
        (r.Exit, r.Stdout).Should().Be((0, $"OK: source address ::1 towards [::1]:{port} is in ::1\n"));
    }

    [Fact]
    public void Fix_connection_refused_is_UNKNOWN_with_the_original_words()
    {
        int closed = StubHttpServer.RefusedPort();
        var r = _box.Run("check-myip", "127.0.0.1", closed.ToString());
        (r.Exit, r.Stdout).Should().Be((3, $"UNKNOWN: check-myip: cound not connect to 127.0.0.1:{closed}: Connection refused\n"));
    }

    [Fact]
    public void Fix_an_unresolvable_name_is_UNKNOWN()
    {
        var r = _box.Run("check-myip", "--expect", "127.0.0.1", "no-such-host.invalid", "80");
        r.Exit.Should().Be(3);
        r.Lines.Should().ContainSingle().Which.Should().StartWith("UNKNOWN: check-myip: cound not connect to no-such-host.invalid:80: ");
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("127.0.0.1", "80", "extra")]
    [InlineData("127.0.0.1", "http")]
    [InlineData("127.0.0.1", "0")]
    [InlineData("127.0.0.1:9", "80")]
    [InlineData("--expect", "10.1.2.3/8", "127.0.0.1", "80")]
    [InlineData("--expect", "bogus", "127.0.0.1", "80")]
    [InlineData("--timeout", "0", "127.0.0.1", "80")]
    public void Fix_usage_errors_are_UNKNOWN_in_one_line(params string[] args)
    {
        var r = _box.Run("check-myip", args);
        r.Exit.Should().Be(3);
        r.Lines.Should().ContainSingle().Which.Should().StartWith("UNKNOWN: check-myip: ");
    }

    [Theory]
    [InlineData("1.5")]       // was read as 1.0.0.5
    [InlineData("127.1/16")]  // was read as 127.0.0.1/16
    [InlineData("10.0.0.1/8")] // host bits set: was taken as 10.0.0.0/8
    public void Fix_expect_takes_real_addresses_not_inet_aton_shorthands(string expect)
    {
        var r = _box.Run("check-myip", "--expect", expect, "127.0.0.1", Port);
        (r.Exit, r.Stdout).Should().Be((3,
            $"UNKNOWN: check-myip: --expect takes an address or a network like 10.0.0.0/8 (no host bits set), got '{expect}' (see check-myip --help)\n"));
    }

    [Fact]
    public void Works_as_an_inner_command_of_delay_checker()
    {
        _box.Run("delay-checker", "-c", "2", "--", "check-myip", "--expect", "10.0.0.0/8", "127.0.0.1", Port).Stdout
            .Should().Be($"DelayWarn(1/2): CRITICAL: source address 127.0.0.1 towards 127.0.0.1:{Port} is not in 10.0.0.0/8\n");
        var alert = _box.Run("delay-checker", "-c", "2", "--", "check-myip", "--expect", "10.0.0.0/8", "127.0.0.1", Port);
        (alert.Exit, alert.Stdout).Should().Be((2, $"DelayNG(2/2): CRITICAL: source address 127.0.0.1 towards 127.0.0.1:{Port} is not in 10.0.0.0/8\n"));
    }

    [Fact]
    public void Perfdata_mode_gives_the_connect_time_of_a_check_but_never_touches_print_mode()
    {
        var r = _box.Run("check-myip", "--expect", "127.0.0.0/8", "127.0.0.1", Port, "--perfdata");
        r.Exit.Should().Be(0, r.ToString());
        r.Stdout.Should().MatchRegex($@"^OK: source address 127\.0\.0\.1 towards 127\.0\.0\.1:{Port} is in 127\.0\.0\.0/8 \| time=\d+(\.\d+)?s;;;0;10\n$");

        _box.Env["METACHECK_PERFDATA"] = "1";
        var c = _box.Run("check-myip", "--expect", "10.0.0.0/8", "-t", "5", "127.0.0.1", Port);
        c.Exit.Should().Be(2, c.ToString());
        c.Stdout.Should().MatchRegex($@"^CRITICAL: source address 127\.0\.0\.1 towards 127\.0\.0\.1:{Port} is not in 10\.0\.0\.0/8 \| time=\d+(\.\d+)?s;;;0;5\n$");
        _box.Run("check-myip", "127.0.0.1", Port).Stdout.Should().Be("127.0.0.1\n", "a script reading the printed address must not get performance data");
        _box.Run("check-myip", "--udp", "--expect", "127.0.0.1", "127.0.0.1", Port).Stdout
            .Should().Be($"OK: source address 127.0.0.1 towards 127.0.0.1:{Port} is in 127.0.0.1\n", "UDP connects nothing, so there is no time to report");
    }

    [Fact]
    public void Verbose_shows_the_sockets_ends_and_each_comparison()
    {
        var r = _box.Run("check-myip", "--expect", "10.0.0.0/8,127.0.0.1", "-v", "127.0.0.1", Port);
        r.Exit.Should().Be(0, r.ToString());
        r.Lines.Should().HaveCount(4, r.ToString());
        r.Lines[1].Should().MatchRegex($@"^TCP connection from 127\.0\.0\.1:\d+ to 127\.0\.0\.1:{Port} in \d+(\.\d+)? s$");
        r.Lines[2..].Should().Equal("10.0.0.0/8: does not contain 127.0.0.1", "127.0.0.1: contains 127.0.0.1");
        _box.Run("check-myip", "--udp", "--verbose", "127.0.0.1", Port).Lines.Should().HaveCount(2)
            .And.Subject.Last().Should().MatchRegex($@"^UDP route from 127\.0\.0\.1:\d+ to 127\.0\.0\.1:{Port} \(nothing sent\)$");
    }

    [Fact]
    public void T_is_the_timeout()
    {
        _box.Run("check-myip", "--help").Stdout.Should().MatchRegex(@"(?m)^  -t, --timeout ");
        _box.Run("check-myip", "-t", "0", "127.0.0.1", Port).Stdout.Should().StartWith("UNKNOWN: check-myip: --timeout must be more than 0 seconds");
        _box.Run("check-myip", "--t", "0", "127.0.0.1", Port).Stdout.Should().StartWith("UNKNOWN: check-myip: --timeout must be more than 0 seconds",
            "the abbreviation Getopt::Long took still works");
    }

    [Theory]
    [InlineData("10.1.2.3", "10.0.0.0/8", Status.Ok)]
    [InlineData("10.1.2.3", "10.1.2.4", Status.Critical)]
    [InlineData("2001:db8::5", "2001:db8::/32", Status.Ok)]
    [InlineData("2001:db8::5", "10.0.0.0/8", Status.Critical)]
    public void Evaluate_matches_addresses_and_networks(string source, string expect, Status status) =>
        CheckMyip.Evaluate(IPAddress.Parse(source), "peer:1", CheckMyip.ParseExpect([expect])).Status.Should().Be(status);

    [Fact]
    public void Without_expect_the_result_is_the_bare_address() =>
        CheckMyip.Evaluate(IPAddress.Parse("192.0.2.9"), "peer:1", []).Should().Be(new CheckResult(Status.Ok, "192.0.2.9"));
}
