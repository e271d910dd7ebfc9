using System.Net;
using System.Security.Authentication;
using System.Text.RegularExpressions;
using MetaCheck.Tests.Support;

namespace MetaCheck.Tests.Checks;

/// <summary>
/// A theory that needs strace: skipped, with the reason, only where the kernel or a sandbox forbids tracing
/// (ptrace). A missing strace is a missing setup step (scripts/setup.sh installs it) and fails the test.
/// </summary>
public sealed class TracedTheoryAttribute : TheoryAttribute
{
    public TracedTheoryAttribute()
    {
        if (!File.Exists("/usr/bin/strace")) return;
        using var probe = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("/usr/bin/strace", ["-qq", "-o", "/dev/null", "/bin/true"])
            { RedirectStandardError = true })!;
        var error = probe.StandardError.ReadToEnd();
        probe.WaitForExit();
        if (probe.ExitCode != 0 && error.Contains("Operation not permitted")) Skip = $"strace cannot trace here: {error.Trim()}";
    }
}

/// <summary>
/// Issue 23, item 2: a plugin that reports a connect, handshake or query time measures the peer, not its own
/// first use of the runtime. Comparing times cannot tell the two apart on a loaded machine (the figures
/// against a warm client are `make bench`'s), so the tests watch what the plugin does while its clock runs,
/// under strace: from its first packet to the peer until it reports, it opens no file (libssl, the trust
/// store, openssl.cnf, the time zone, resolver files); all of that was read before. (Threads are no such
/// sign: the thread pool adds workers when a loaded machine keeps the first one busy.)
/// </summary>
public sealed class TimedPhasesTests : TlsTestBed
{
    /// <summary>Plugins that time a TCP connect, and a TLS handshake after it, against a TLS 1.3 peer.</summary>
    public static TheoryData<string, string[]> TcpPlugins => new()
    {
        { "mackerel-plugin-sslhandshake-time", ["--ca-file", "{ca}", "https://127.0.0.1:{port}/"] },
        { "check-ssl-validate", ["-H", "127.0.0.1", "-p", "{port}", "--ca-file", "{ca}", "--perfdata"] },
        { "check-dos-tls12", ["-H", "127.0.0.1", "-p", "{port}", "--reject", "1.2", "--perfdata"] }, // (this OpenSSL offers no 1.0 or 1.1)
        { "check-tcp", ["-H", "127.0.0.1", "-p", "{port}", "-S"] },
        { "check-tcp", ["-H", "127.0.0.1", "-p", "{port}"] },
        { "check-myip", ["--expect", "127.0.0.1", "--perfdata", "127.0.0.1", "{port}"] },
    };

    [TracedTheory]
    [MemberData(nameof(TcpPlugins))]
    public void Nothing_is_loaded_while_a_connect_or_handshake_is_timed(string plugin, string[] args)
    {
        var peer = Serve(Ca.Issue(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30), ip: IPAddress.Loopback), SslProtocols.Tls13);
        Box.Env["SSL_CERT_FILE"] = CaFile; // check-tcp and check-dos-tls12 trust the system store
        var timed = WhileTimed(plugin, args.Select(a => a.Replace("{port}", peer.P).Replace("{ca}", CaFile)), peer.Port);
        timed.Skip(1).Where(OpensAFile).Should().BeEmpty($"{plugin} loads what it needs before its clock starts:\n{string.Join('\n', timed)}");
    }

    public static TheoryData<string, string[]> DnsPlugins => new()
    {
        { "check-resolver", ["--host", "one.test", "--server", "{server}"] },
        { "check-dns-rr", ["--host", "one.test", "--server", "{server}", "--perfdata"] },
        { "mackerel-plugin-dns-healthcheck", ["-s", "{server}", "-d", "one.test"] },
        { "mackerel-plugin-dns-lookup", ["-s", "127.0.0.1", "-p", "{port}", "-d", "one.test"] },
    };

    [TracedTheory]
    [MemberData(nameof(DnsPlugins))]
    public void Nothing_is_loaded_while_a_query_is_timed(string plugin, string[] args)
    {
        using var dns = new Dnsmasq(["192.0.2.1 one.test"]);
        var timed = WhileTimed(plugin, args.Select(a => a.Replace("{server}", dns.Server).Replace("{port}", dns.Port.ToString())), dns.Port);
        timed.Skip(1).Where(OpensAFile).Should().BeEmpty($"{plugin} loads what it needs before its clock starts:\n{string.Join('\n', timed)}");
    }

    private static bool OpensAFile(string call) => Regex.IsMatch(call, @"^\d+\s+(open|openat)\(");

    /// <summary>
    /// Runs the plugin under strace and returns the traced calls from its first connect to the peer's port
    /// up to the next one (another handshake or query, which no figure times together with the first) or its
    /// first write to stdout, whichever comes first.
    /// </summary>
    private List<string> WhileTimed(string plugin, IEnumerable<string> args, int port)
    {
        var trace = Box.PathOf("trace");
        var r = Box.Run("/usr/bin/strace", ["-f", "-qq", "-o", trace, "-e", "trace=open,openat,connect,write", "-e", "signal=none",
            Path.Combine(Installed.BinDir, plugin), .. args]);
        r.Exit.Should().BeInRange(0, 2, $"the plugin measured something: {r}");
        var calls = File.ReadAllLines(trace);
        var toPeer = $"htons({port})";
        int start = Array.FindIndex(calls, l => l.Contains(" connect(") && l.Contains(toPeer));
        start.Should().BeGreaterThanOrEqualTo(0, $"the trace shows a connect to port {port}");
        var timed = new List<string> { calls[start] };
        foreach (var call in calls.Skip(start + 1))
        {
            if ((call.Contains(" connect(") && call.Contains(toPeer)) || Regex.IsMatch(call, @"^\d+\s+write\(1,")) break;
            timed.Add(call);
        }
        return timed;
    }
}
