using System.Net;
using System.Security.Authentication;
using System.Text.RegularExpressions;
using MetaCheck.Tests.Support;

namespace MetaCheck.Tests.Checks;

/// <summary>
/// Issue 23, item 2: a plugin that reports a connect or handshake time measures the peer, not its own first
/// use of the runtime. Comparing times cannot tell the two apart on a loaded machine (the figures against a
/// warm client are `make bench`'s), so the tests watch what the plugin does while its clock runs, under
/// strace: from its connect to the peer until it reports, it opens no file (libssl, the trust store,
/// openssl.cnf, the time zone); all of that was read before the connect. (Threads are no such sign: the
/// thread pool adds workers when a loaded machine keeps the first one busy.)
/// </summary>
public sealed class TimedPhasesTests : TlsTestBed
{
    public static TheoryData<string, string[]> Plugins => new()
    {
        { "mackerel-plugin-sslhandshake-time", ["--ca-file", "{ca}", "https://127.0.0.1:{port}/"] },
        { "check-ssl-validate", ["-H", "127.0.0.1", "-p", "{port}", "--ca-file", "{ca}", "--perfdata"] },
        { "check-dos-tls12", ["-H", "127.0.0.1", "-p", "{port}", "--reject", "1.2", "--perfdata"] }, // (this OpenSSL offers no 1.0 or 1.1)
        { "check-tcp", ["-H", "127.0.0.1", "-p", "{port}", "-S"] },
    };

    [Theory]
    [MemberData(nameof(Plugins))]
    public void Nothing_is_loaded_while_a_phase_is_timed(string plugin, string[] args)
    {
        var peer = Serve(Ca.Issue(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30), ip: IPAddress.Loopback), SslProtocols.Tls13);
        Box.Env["SSL_CERT_FILE"] = CaFile; // check-tcp and check-dos-tls12 trust the system store
        var trace = Box.PathOf("trace");
        var r = Box.Run("/usr/bin/strace", ["-f", "-qq", "-o", trace, "-e", "trace=open,openat,connect,write", "-e", "signal=none",
            Path.Combine(Installed.BinDir, plugin), .. args.Select(a => a.Replace("{port}", peer.P).Replace("{ca}", CaFile))]);
        r.Exit.Should().Be(0, r.ToString());

        var timed = WhileTimed(File.ReadAllLines(trace), peer.Port);
        timed.Should().NotBeEmpty("the trace shows the connect to the peer");
        timed.Skip(1).Where(call => Regex.IsMatch(call, @"^\d+\s+(open|openat)\("))
            .Should().BeEmpty($"{plugin} loads what it needs before its clock starts:\n{string.Join('\n', timed)}");
    }

    /// <summary>
    /// The traced calls from the first connect to the peer up to the next one (a second handshake, which no
    /// figure times) or the first write to stdout, whichever comes first.
    /// </summary>
    private static List<string> WhileTimed(string[] trace, int port)
    {
        var toPeer = $"htons({port})";
        int start = Array.FindIndex(trace, l => l.Contains(" connect(") && l.Contains(toPeer));
        if (start < 0) return [];
        var timed = new List<string> { trace[start] };
        foreach (var call in trace.Skip(start + 1))
        {
            if ((call.Contains(" connect(") && call.Contains(toPeer)) || Regex.IsMatch(call, @"^\d+\s+write\(1,")) break;
            timed.Add(call);
        }
        return timed;
    }
}
