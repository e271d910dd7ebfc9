using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using MetaCheck.Tests.Support;

namespace MetaCheck.Tests;

/// <summary>
/// Bad input and slow peers (issue 20, item 7): one clear line and UNKNOWN, never an internal error, an
/// exception's name or a framework resource key; a --timeout that bounds the whole request.
/// </summary>
public sealed partial class BadInputTests : IDisposable
{
    private readonly Sandbox _box = new();

    public void Dispose() => _box.Dispose();

    /// <summary>A Native AOT build prints resource keys (`ArgumentOutOfRange_PathLengthInvalid`) where texts were expected.</summary>
    [GeneratedRegex(@"\b[A-Z][A-Za-z]+_[A-Z][A-Za-z_]+\b")]
    private static partial Regex ResourceKey();

    private static void OneClearLine(CmdResult r, int exit = 3)
    {
        r.Exit.Should().Be(exit, r.ToString());
        r.Lines.Should().ContainSingle(r.ToString());
        r.Stdout.Should().NotContain("internal error").And.NotContain("Exception");
        ResourceKey().IsMatch(r.Stdout).Should().BeFalse(r.ToString());
    }

    private static readonly string LongName = string.Concat(Enumerable.Repeat("abcdefghij.", 28)) + "test"; // 312 characters

    [Theory]
    [InlineData("check-tcp", "-p", "80")]
    [InlineData("check-ssl-validate")]
    [InlineData("check-dos-tls12")]
    public void A_host_that_is_neither_an_address_nor_a_name_is_one_UNKNOWN_line(string command, params string[] rest)
    {
        foreach (var host in new[] { "0", "127.1", LongName })
        {
            var r = _box.Run(command, ["-H", host, .. rest]);
            OneClearLine(r);
            r.Stdout.Should().Contain("-H: '").And.Contain("is neither an IP address nor a host name");
        }
    }

    [Fact]
    public void A_Unix_socket_path_too_long_for_the_kernel_is_one_UNKNOWN_line()
    {
        var r = _box.Run("check-tcp", "-U", "/tmp/" + new string('s', 200));
        OneClearLine(r);
        r.Stdout.Should().Contain("longer than the 107 bytes a Unix socket path may have");
    }

    [Theory]
    [InlineData("255.255.255.255")] // broadcast: sendto is refused with EACCES
    [InlineData("fe80::1")]         // link-local without an interface: EINVAL
    public void A_DNS_server_the_query_cannot_be_sent_to_is_reported_in_words(string server)
    {
        var rr = _box.Run("check-dns-rr", "-H", "example.com", "-s", server, "-t", "1");
        OneClearLine(rr);
        rr.Stdout.Should().Contain($"cannot send the query to");
        foreach (var plugin in new[] { new[] { "mackerel-plugin-dns-lookup", "-s", server, "-d", "example.com", "-n", "1" },
                     ["mackerel-plugin-dns-healthcheck", "-s", server, "-d", "example.com"] })
        {
            var r = _box.Run(plugin[0], plugin[1..]);
            (r.Stdout + r.Stderr).Should().NotContain("internal error").And.NotContain("Exception", r.ToString());
            ResourceKey().IsMatch(r.Stdout + r.Stderr).Should().BeFalse(r.ToString());
        }
    }

    [Fact]
    public void A_state_directory_too_long_to_stat_is_one_UNKNOWN_line_from_status_and_history()
    {
        _box.Env["METACHECK_STATE_DIR"] = "/tmp/" + new string('d', 300);
        foreach (var args in new[] { new[] { "status" }, ["history", "x"] })
        {
            var r = _box.Run("metacheck", args);
            OneClearLine(r);
            r.Stdout.Should().Contain("ile name too long");
        }
    }

    [Fact]
    public void Metacheck_without_arguments_is_UNKNOWN_with_the_usage_on_stderr_in_one_screen()
    {
        var r = _box.Run("metacheck");
        OneClearLine(r);
        r.Stdout.Should().Be("UNKNOWN: metacheck: no command given (see metacheck --help)\n");
        r.Stderr.Should().StartWith("Usage: ");
        r.Stderr.TrimEnd('\n').Split('\n').Length.Should().BeLessThan(24);
        _box.Run("metacheck", "--help").Exit.Should().Be(0);
    }

    [Fact]
    public void Check_virtmem_takes_a_negative_threshold_as_its_original_did()
    {
        // go-flags reads `-c -1` as the value -1 for a number (jessevdk/go-flags#190): every usage exceeds it.
        var r = _box.Run("check-virtmem", "-c", "-1");
        r.Exit.Should().Be(2, r.ToString());
        r.Stdout.Should().StartWith(" CRITICAL: [CRIT] VirtMem Usage:");
    }

    /// <summary>Answers 200 with a body of 100 bytes, one a second.</summary>
    private sealed class TricklingServer : LoopbackServer
    {
        protected override async Task Serve(NetworkStream stream)
        {
            if (await ReadHead(stream) is null) return;
            await stream.WriteAsync(Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n"), Stopping);
            for (int i = 0; i < 100; i++)
            {
                await stream.WriteAsync(" "u8.ToArray(), Stopping);
                await Task.Delay(1000, Stopping);
            }
        }
    }

    [Theory]
    [InlineData("mackerel-plugin-gaurun-usage", "--port", "{port}")]
    [InlineData("check-hydra-pos", "--file", "/var/log/x", "--port", "{port}")]
    [InlineData("mackerel-plugin-errorbudget-calculator", "-s", "web", "-r", "app", "-m", "x", "--base-url", "http://127.0.0.1:{port}/")]
    [InlineData("mackerel-low-usage-police", "-s", "web", "-r", "app", "--base-url", "http://127.0.0.1:{port}/")]
    public void The_timeout_bounds_the_whole_request_body_included(string command, params string[] args)
    {
        using var server = new TricklingServer();
        _box.Env["MACKEREL_APIKEY"] = "test-key";
        var r = _box.Run(command, [.. args.Select(a => a.Replace("{port}", server.Port.ToString())), "--timeout", "1"]);
        r.Exit.Should().NotBe(0, r.ToString());
        r.Stdout.Should().Contain("timeout");
        // The docs give --timeout plus at most a second; the body alone takes 100 s.
        r.Elapsed.Should().BeLessThan(Patience.Bound, r.ToString());
    }
}
