using System.CommandLine;
using System.Net;
using System.Net.Sockets;
using MetaCheck.Checks.Framework;
using MetaCheck.Core;

namespace MetaCheck.Checks.LinuxSocketQueueSize;

/// <summary>What the kernel's socket table says about one listening socket.</summary>
/// <param name="SynQueue">Connections still in the handshake (SYN_RECV entries on the listener's address and port).</param>
/// <param name="AcceptQueue">Completed connections waiting for accept(): rx_queue of the LISTEN entry.</param>
public readonly record struct QueueSizes(long SynQueue, long AcceptQueue, bool Listening);

/// <summary>
/// ryuichi1208's mackerel-plugin-linux-socket-queue-size: SYN and accept queue of one TCP listener, from
/// /proc/net/tcp (IPv4) or /proc/net/tcp6 (IPv6).
/// </summary>
public static class LinuxSocketQueueSize
{
    public const string Name = "mackerel-plugin-linux-socket-queue-size";

    private const byte Listen = 0x0A, SynRecv = 0x03;

    public static int Main(string[] args) => Main(args, PluginContext.System());

    public static int Main(string[] args, PluginContext context)
    {
        var ip = Opt.Text("--ip", "Address the listener is bound to (IPv4 or IPv6; localhost = 127.0.0.1; 0.0.0.0 or :: for a wildcard listener).", "-i");
        var port = Opt.OptionalInt("--port", "Port the listener is bound to.", 1, 65535, "-p");
        var prefix = new Option<string?>("--prefix") { Description = "Graph key prefix: names are <prefix>-socket-queue.*" };
        var definition = Cli.Define(Dialect.GoFlags, Name, "SYN queue and accept queue of one TCP listening socket. Example: --ip 0.0.0.0 --port 80 --prefix nginx", ip, port, prefix);
        // Required in meta mode too: the original's parser refused a missing --ip/--port before anything else.
        (IPAddress Address, int Port) Listener(ParseResult parsed) =>
            (ParseAddress(parsed.GetValue(ip) ?? throw new UsageException("--ip is required")),
             parsed.GetValue(port) ?? throw new UsageException("--port is required"));

        return Plugin.GoMetrics(definition, args, context,
            parsed =>
            {
                Listener(parsed);
                return Define(parsed.GetValue(prefix) ?? "").Definitions();
            },
            parsed =>
            {
                var (address, p) = Listener(parsed);
                var path = context.Paths.Proc(address.AddressFamily == AddressFamily.InterNetworkV6 ? "net/tcp6" : "net/tcp");
                var sizes = ScanFile(path, address.GetAddressBytes(), p);
                return Define(parsed.GetValue(prefix) ?? "").Collect(context, args, new Dictionary<string, double>
                {
                    ["syn-queue"] = sizes.SynQueue,
                    ["accept-queue"] = sizes.AcceptQueue,
                });
            });
    }

    public static GoMackerelPlugin Define(string prefix) => new(Name, null,
    [
        new GoGraph($"{prefix}-socket-queue", prefix, "integer", [new GoMetric("syn-queue", "syn-queue"), new GoMetric("accept-queue", "accept-queue")]),
    ]);

    public static IPAddress ParseAddress(string text)
    {
        if (text == "localhost") return IPAddress.Loopback;
        if (InetAddress.TryParse(text, out var address))
            return address;
        throw new UsageException($"--ip takes an IPv4 or IPv6 address or localhost, got '{Opt.Shorten(text)}'");
    }

    /// <summary>Big enough for the longest table row many times over; small enough to stay in the CPU's cache.</summary>
    private const int ChunkBytes = 64 * 1024;

    /// <summary>
    /// <see cref="Scan"/> over the file in chunks: a 100,000-socket table is 12 MB, and reading it whole cost
    /// more in page faults on the fresh buffer than the scan itself.
    /// </summary>
    private static QueueSizes ScanFile(string path, ReadOnlySpan<byte> address, int port)
    {
        try
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 0);
            var buffer = new byte[ChunkBytes];
            var tally = new Tally();
            int kept = 0;
            bool overlong = false;
            while (true)
            {
                int read = file.Read(buffer, kept, buffer.Length - kept);
                var data = buffer.AsSpan(0, kept + read);
                if (read == 0)
                {
                    if (!overlong) tally.Line(data, address, port);
                    return tally.Result;
                }
                int end = data.LastIndexOf((byte)'\n');
                if (end < 0)
                {
                    // A chunk without a line end is no table row: dropped up to its line's end.
                    (overlong, kept) = (true, 0);
                    continue;
                }
                var lines = data[..(end + 1)];
                if (overlong)
                {
                    lines = lines[(lines.IndexOf((byte)'\n') + 1)..];
                    overlong = false;
                }
                tally.Lines(lines, address, port);
                kept = data.Length - end - 1;
                data[(end + 1)..].CopyTo(buffer);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            DataSource.ReadText(path); // throws the usual "cannot read <path>: …" message
            throw;
        }
    }

    /// <summary>
    /// One pass over a /proc/net/tcp or tcp6 table without allocating. The LISTEN entry on
    /// <paramref name="address"/>:<paramref name="port"/> gives the accept queue (its rx_queue; the last one
    /// wins); SYN_RECV entries on that port whose local address is <paramref name="address"/> (any address for
    /// a wildcard listener) are counted as the SYN queue. Lines that do not look like table rows are skipped.
    /// </summary>
    public static QueueSizes Scan(ReadOnlySpan<byte> table, ReadOnlySpan<byte> address, int port)
    {
        var tally = new Tally();
        tally.Lines(table, address, port);
        return tally.Result;
    }

    private struct Tally
    {
        private long _syn, _accept;
        private bool _listening;

        public readonly QueueSizes Result => new(_syn, _accept, _listening);

        /// <summary>Each line of <paramref name="table"/>; the last one needs no line end.</summary>
        public void Lines(ReadOnlySpan<byte> table, ReadOnlySpan<byte> address, int port)
        {
            while (table.Length > 0)
            {
                int nl = table.IndexOf((byte)'\n');
                Line(nl < 0 ? table : table[..nl], address, port);
                table = nl < 0 ? [] : table[(nl + 1)..];
            }
        }

        public void Line(ReadOnlySpan<byte> line, ReadOnlySpan<byte> address, int port)
        {
            if (!NextToken(ref line, out _)) return;                   // "sl:"
            if (!NextToken(ref line, out var local)) return;           // local address:port
            if (!NextToken(ref line, out _)) return;                   // remote address:port
            if (!NextToken(ref line, out var st) || st.Length != 2) return;
            if (!TryHex(st, out var state) || state is not (Listen or SynRecv)) return;
            int colon = local.IndexOf((byte)':');
            if (colon != address.Length * 2 || !TryHex(local[(colon + 1)..], out var localPort) || localPort != port) return;
            var hexAddress = local[..colon];
            if (state == SynRecv)
            {
                if (!address.ContainsAnyExcept((byte)0) || SameAddress(hexAddress, address)) _syn++;
                return;
            }
            if (!SameAddress(hexAddress, address) || !NextToken(ref line, out var queues)) return;
            int qc = queues.IndexOf((byte)':');
            if (qc < 0 || !TryHex(queues[(qc + 1)..], out var rx)) return;
            _accept = rx;
            _listening = true;
        }
    }

    private static bool NextToken(ref ReadOnlySpan<byte> line, out ReadOnlySpan<byte> token)
    {
        int start = line.IndexOfAnyExcept((byte)' ', (byte)'\t');
        if (start < 0) { token = default; return false; }
        line = line[start..];
        int end = line.IndexOfAny((byte)' ', (byte)'\t');
        if (end < 0) end = line.Length;
        token = line[..end];
        line = line[end..];
        return true;
    }

    /// <summary>
    /// The kernel prints the address as 32-bit words in host byte order: on a little-endian host each group of
    /// 8 hex digits is the word's bytes reversed.
    /// </summary>
    private static bool SameAddress(ReadOnlySpan<byte> hex, ReadOnlySpan<byte> address)
    {
        for (int i = 0; i < address.Length; i++)
        {
            int at = BitConverter.IsLittleEndian ? (i / 4 * 8) + ((3 - (i % 4)) * 2) : i * 2;
            int hi = HexDigit(hex[at]), lo = HexDigit(hex[at + 1]);
            if (hi < 0 || lo < 0 || ((hi << 4) | lo) != address[i]) return false;
        }
        return true;
    }

    private static bool TryHex(ReadOnlySpan<byte> hex, out long value)
    {
        value = 0;
        if (hex.Length is 0 or > 15) return false;
        foreach (var c in hex)
        {
            int d = HexDigit(c);
            if (d < 0) return false;
            value = (value << 4) | (uint)d;
        }
        return true;
    }

    private static int HexDigit(byte c) => c switch
    {
        >= (byte)'0' and <= (byte)'9' => c - '0',
        >= (byte)'A' and <= (byte)'F' => c - 'A' + 10,
        >= (byte)'a' and <= (byte)'f' => c - 'a' + 10,
        _ => -1,
    };
}
