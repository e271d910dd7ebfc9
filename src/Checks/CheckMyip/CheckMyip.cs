using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using MetaCheck.Checks.Framework;
using MetaCheck.Core;

namespace MetaCheck.Checks.CheckMyip;

/// <summary>
/// kazeburo's check-myip, made a real check: the source address this host uses towards HOST:PORT (the local
/// end of a TCP connection, or of a connected UDP socket, which sends nothing). Without --expect it prints the
/// address like the original did (for scripts); with --expect it is OK when the address is in one of the
/// expected addresses/networks and CRITICAL otherwise.
/// </summary>
public static class CheckMyip
{
    public const string Name = "check-myip";
    private const string Usage = "usage: check-myip [--expect ADDR[/BITS]]... [--udp] [--timeout S] host port";

    public static int Main(string[] args) => Main(args, PluginContext.System());

    public static int Main(string[] args, PluginContext context)
    {
        var expect = new Option<string[]>("--expect")
        {
            Description = "The expected source address or network (10.0.0.5, 10.0.0.0/8, 2001:db8::/32); repeat it or separate with commas. Without it the address is printed.",
            AllowMultipleArgumentsPerToken = false,
        };
        var udp = Opt.Flag("--udp", "Find the source address with a connected UDP socket (routing only, nothing is sent) instead of a TCP connection.");
        // -t already reached --timeout as Getopt::Long's abbreviation; naming it shows it in the help and changes nothing else.
        var timeout = Opt.Duration("--timeout", "Give up connecting after this long (default: 10).", TimeSpan.FromHours(1), "-t");
        var verbose = Opt.Verbose();
        var operands = new Argument<string[]>("host port") { Description = "The peer to reach: a host name or address, and a port." };
        var definition = Cli.Define(Dialect.GetoptLongStrict, Name,
            "The source address this host uses to reach a peer; with --expect, a check of it. Example: check-myip --expect 203.0.113.0/24 example.com 443",
            expect, udp, timeout, verbose);
        definition.Arguments.Add(operands);
        return Plugin.Check(definition, args, context, parsed =>
        {
            var positional = parsed.GetValue(operands) ?? [];
            if (positional.Length != 2) throw new UsageException(Usage);
            var host = Host(positional[0]);
            if (!int.TryParse(positional[1], NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
                throw new UsageException($"the port must be a number from 1 to 65535, got '{Opt.Shorten(positional[1])}'");
            var networks = ParseExpect(parsed.GetValue(expect) ?? []);
            var limit = parsed.GetValue(timeout) ?? TimeSpan.FromSeconds(10);
            if (limit <= TimeSpan.Zero) throw new UsageException("--timeout must be more than 0 seconds");

            var route = SourceAddress(host, port, parsed.GetValue(udp), limit);
            var result = Evaluate(route.Source, host.Contains(':') ? $"[{host}]:{port}" : $"{host}:{port}", networks, route.Connected, limit);
            return parsed.GetValue(verbose) == 0 ? result : result with { Details = [route.Describe(), .. Compared(route.Source, networks)] };
        });
    }

    /// <summary>A bracketed IPv6 literal loses its brackets; `host:port` in the host argument is refused (the port is the second argument).</summary>
    public static string Host(string text)
    {
        if (text.StartsWith('[') && text.EndsWith(']')) return text[1..^1];
        if (text.Length == 0) throw new UsageException(Usage);
        if (text.Count(c => c == ':') == 1)
            throw new UsageException($"give the port as the second argument, not in the host ('{Opt.Shorten(text)}')");
        return text;
    }

    public static IReadOnlyList<IPNetwork> ParseExpect(IEnumerable<string> values)
    {
        var result = new List<IPNetwork>();
        foreach (var item in values.SelectMany(v => v.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)))
        {
            if (InetAddress.TryParse(item, out var address))
                result.Add(new IPNetwork(address, address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128));
            else if (InetAddress.TryParseNetwork(item, out var network))
                result.Add(network);
            else
                throw new UsageException($"--expect takes an address or a network like 10.0.0.0/8 (no host bits set), got '{Opt.Shorten(item)}'");
        }
        return result;
    }

    /// <summary>What finding the source address saw; <paramref name="Connected"/>: how long resolving and the TCP connect took (null for UDP).</summary>
    public sealed record Route(IPAddress Source, EndPoint Local, EndPoint Peer, TimeSpan? Connected)
    {
        /// <summary>-v: the socket's two ends, and how long the connection took.</summary>
        public string Describe() => Connected is { } took
            ? $"TCP connection from {Local} to {Peer} in {DetailText.Seconds(took)}"
            : $"UDP route from {Local} to {Peer} (nothing sent)";
    }

    /// <summary>
    /// The local address of a socket connected to the peer: TCP tries each resolved address in turn; UDP uses the
    /// first (connect only asks the routing table). Failures are a <see cref="DataSourceException"/> with the
    /// original's words ("cound not connect", sic).
    /// </summary>
    public static Route SourceAddress(string host, int port, bool useUdp, TimeSpan timeout)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        IPAddress[] addresses;
        try
        {
            addresses = InetAddress.TryParse(host, out var literal) ? [literal] : System.Net.Dns.GetHostAddresses(host);
        }
        catch (SocketException e)
        {
            throw Failure(host, port, e);
        }
        if (addresses.Length == 0) throw new DataSourceException($"cound not connect to {host}:{port}: no address for the name");
        SocketException? last = null;
        foreach (var address in useUdp ? addresses.Take(1) : addresses)
        {
            using var socket = new Socket(address.AddressFamily, useUdp ? SocketType.Dgram : SocketType.Stream, useUdp ? ProtocolType.Udp : ProtocolType.Tcp);
            try
            {
                if (useUdp) socket.Connect(address, port);
                else
                {
                    using var cts = new CancellationTokenSource(timeout);
                    try
                    {
                        socket.ConnectAsync(address, port, cts.Token).AsTask().GetAwaiter().GetResult();
                    }
                    catch (OperationCanceledException)
                    {
                        last = new SocketException((int)SocketError.TimedOut);
                        continue;
                    }
                }
                var local = (IPEndPoint)socket.LocalEndPoint!;
                var source = local.Address.IsIPv4MappedToIPv6 ? local.Address.MapToIPv4() : local.Address;
                return new Route(source, local, socket.RemoteEndPoint!, useUdp ? null : clock.Elapsed);
            }
            catch (SocketException e)
            {
                last = e;
            }
        }
        throw Failure(host, port, last!);
    }

    private static DataSourceException Failure(string host, int port, SocketException e) =>
        new($"cound not connect to {host}:{port}: {Words(e)}");

    private static string Words(SocketException e) => e.SocketErrorCode switch
    {
        SocketError.ConnectionRefused => "Connection refused",
        SocketError.TimedOut => "Connection timed out",
        SocketError.HostNotFound or SocketError.NoData or SocketError.TryAgain => "Name or service not known",
        SocketError.NetworkUnreachable => "Network is unreachable",
        SocketError.HostUnreachable => "No route to host",
        _ => e.Message.TrimEnd('.'),
    };

    /// <summary>
    /// Pure: print mode without networks (the bare address, for scripts: no performance data even when
    /// METACHECK_PERFDATA is set), else OK/CRITICAL against them, with the TCP connect's time when measured.
    /// </summary>
    public static CheckResult Evaluate(IPAddress source, string peer, IReadOnlyList<IPNetwork> expected,
        TimeSpan? connected = null, TimeSpan? limit = null)
    {
        if (expected.Count == 0) return new CheckResult(Status.Ok, source.ToString());
        var list = string.Join(", ", expected.Select(Show));
        var match = expected.FirstOrDefault(n => n.Contains(source));
        var result = expected.Any(n => n.Contains(source))
            ? CheckResult.Of(Status.Ok, $"source address {source} towards {peer} is in {Show(match)}")
            : CheckResult.Of(Status.Critical, $"source address {source} towards {peer} is not in {list}");
        return connected is { } took
            ? result with { Perfdata = [new PerfValue("time", took.TotalSeconds, "s", null, null, 0, limit?.TotalSeconds)] }
            : result;
    }

    /// <summary>-v: each expected address or network, and whether the source address is in it.</summary>
    public static IEnumerable<string> Compared(IPAddress source, IReadOnlyList<IPNetwork> expected) =>
        expected.Select(n => $"{Show(n)}: {(n.Contains(source) ? "contains" : "does not contain")} {source}");

    /// <summary>A single address shows without its /32 or /128.</summary>
    private static string Show(IPNetwork network) =>
        network.PrefixLength == (network.BaseAddress.AddressFamily == AddressFamily.InterNetwork ? 32 : 128)
            ? network.BaseAddress.ToString() : network.ToString();
}
