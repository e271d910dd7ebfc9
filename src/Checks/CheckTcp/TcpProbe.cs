using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using MetaCheck.Checks.Framework;
using MetaCheck.Core;

namespace MetaCheck.Checks.CheckTcp;

/// <summary>
/// The socket steps of check-tcp. Each step has its own time limit, as in the original: connecting
/// (including the TLS handshake), each write, and the whole read. Failures become one clear line.
/// </summary>
internal static class TcpProbe
{
    /// <summary>Connects (with TLS for -S); <paramref name="display"/> names the peer as messages do.</summary>
    public static Stream Connect(TcpSettings s, out string display)
    {
        using var limit = new StepLimit(s.Timeout);
        if (s.UnixSocket is { } path)
        {
            display = $"unix socket {path}";
            return ConnectUnix(path, display, s, limit);
        }

        var bare = Unbracketed(s.Hostname);
        var socket = ConnectTcp(bare, s.Port, s.Timeout, limit, out display, out _);
        var stream = new NetworkStream(socket, ownsSocket: true);
        if (!s.Ssl) return stream;
        return TcpTls.Handshake(stream, TlsName(s), s.NoCheckCertificate, display, s.Timeout, limit);
    }

    private static string Unbracketed(string host) => host.Length > 2 && host[0] == '[' && host[^1] == ']' ? host[1..^1] : host;

    /// <summary>The name the TLS handshake asks for (SNI and the certificate check) on a TCP connection.</summary>
    public static string TlsName(TcpSettings s) => Unbracketed(s.Hostname) is { Length: > 0 } bare ? bare : "localhost";

    /// <summary>
    /// Resolves <paramref name="bare"/> (no brackets; empty: 127.0.0.1 then ::1) unless it is an address,
    /// and connects to the first address that accepts. Shared with the TLS plugins (<c>Tls.TlsProbe</c>),
    /// which time the two phases: <paramref name="dnsTime"/> is zero for an address.
    /// </summary>
    public static Socket ConnectTcp(string bare, int port, TimeSpan? timeout, StepLimit limit, out string display, out TimeSpan dnsTime)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        IPAddress[] addresses;
        bool named = false;
        if (bare.Length == 0) addresses = [IPAddress.Loopback, IPAddress.IPv6Loopback];
        else if (InetAddress.TryParse(bare, out var literal)) addresses = [literal];
        else if (!HostName.IsValid(bare))
            throw new UsageException($"-H: '{Opt.Shorten(bare)}' is neither an IP address nor a host name " +
                "(a name has at most 253 characters; an address is written in full, as 0.0.0.0)");
        else
        {
            named = true;
            try
            {
                addresses = limit.Wait(System.Net.Dns.GetHostAddressesAsync(bare, limit.Token));
            }
            catch (SocketException e)
            {
                throw new ProbeException($"cannot resolve host '{bare}': {Reason(e)}") { Resolving = true };
            }
            catch (OperationCanceledException)
            {
                throw new ProbeException($"cannot resolve host '{bare}': timed out after {Secs(timeout)} seconds") { Resolving = true, TimedOut = true };
            }
            if (addresses.Length == 0) throw new ProbeException($"cannot resolve host '{bare}': no addresses") { Resolving = true };
        }
        dnsTime = named ? clock.Elapsed : TimeSpan.Zero;

        ProbeException? first = null;
        display = "";
        foreach (var address in addresses)
        {
            display = named ? $"{JoinHostPort(bare, port)} ({address})" : JoinHostPort(address.ToString(), port);
            Socket? socket = null;
            try
            {
                socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                ConnectHere(socket, new IPEndPoint(address, port), limit);
                return socket;
            }
            catch (SocketException e)
            {
                socket?.Dispose();
                first ??= new ProbeException($"connect to {display}: {Reason(e)}") { DnsTime = dnsTime };
            }
            catch (OperationCanceledException)
            {
                socket?.Dispose();
                throw new ProbeException($"connect to {display}: timed out after {Secs(timeout)} seconds") { TimedOut = true, DnsTime = dnsTime };
            }
        }
        throw first!;
    }

    /// <summary>
    /// connect() without blocking, then poll() on this thread for the rest of the step's time. ConnectAsync
    /// started the socket engine's epoll thread and three thread-pool workers, spinning about 90 sched_yield
    /// calls, for one connection; a plain check (no -s/-e/-S) now starts no thread. Throws as ConnectAsync did:
    /// SocketException for a failed connect, OperationCanceledException past the limit.
    /// </summary>
    public static void ConnectHere(Socket socket, EndPoint endpoint, StepLimit limit)
    {
        socket.Blocking = false;
        try
        {
            socket.Connect(endpoint);
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.WouldBlock or SocketError.InProgress)
        {
            if (!socket.Poll(limit.Left, SelectMode.SelectWrite)) throw new OperationCanceledException();
            if (socket.GetSocketOption(SocketOptionLevel.Socket, SocketOptionName.Error) is int error && error != 0)
                throw new SocketException(error);
        }
        socket.Blocking = true;
    }

    /// <summary>sun_path holds 108 bytes, the terminating NUL included.</summary>
    private const int MaxUnixPathBytes = 107;

    private static Stream ConnectUnix(string path, string display, TcpSettings s, StepLimit limit)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            ConnectHere(socket, new UnixDomainSocketEndPoint(path), limit);
        }
        catch (SocketException e)
        {
            socket.Dispose();
            var reason = File.Exists(path) || Directory.Exists(path) ? Reason(e) : "no such file or directory";
            throw new ProbeException($"connect to {display}: {reason}");
        }
        catch (OperationCanceledException)
        {
            socket.Dispose();
            throw new ProbeException($"connect to {display}: timed out after {Secs(s.Timeout)} seconds");
        }
        catch (ArgumentException)
        {
            // Thrown for a path the kernel's sockaddr_un cannot hold: a bad value, not a failed connection.
            socket.Dispose();
            throw new UsageException(Encoding.UTF8.GetByteCount(path) > MaxUnixPathBytes
                ? $"-U: '{Opt.Shorten(path)}' is longer than the {MaxUnixPathBytes} bytes a Unix socket path may have"
                : $"-U: '{Opt.Shorten(path)}' is not a usable Unix socket path");
        }
        var stream = new NetworkStream(socket, ownsSocket: true);
        return s.Ssl ? TcpTls.Handshake(stream, s.Hostname.Length == 0 ? "localhost" : s.Hostname, s.NoCheckCertificate, display, s.Timeout, limit) : stream;
    }

    public static void Write(Stream stream, string text, TcpSettings s)
    {
        using var limit = new StepLimit(s.Timeout);
        try
        {
            limit.Wait(stream.WriteAsync(Encoding.UTF8.GetBytes(text), limit.Token).AsTask());
        }
        catch (OperationCanceledException)
        {
            throw new ProbeException($"write to {Peer(s)}: timed out after {Secs(s.Timeout)} seconds");
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
            throw new ProbeException($"write to {Peer(s)}: {Reason(e)}");
        }
    }

    /// <summary>
    /// Reads chunks of -m bytes (32 KiB without -m) until a read returns less than a full chunk, -m
    /// bytes have arrived, or the peer closes. One time limit covers the whole read.
    /// </summary>
    public static string Slurp(Stream stream, TcpSettings s)
    {
        using var limit = new StepLimit(s.Timeout);
        int chunk = s.MaxBytes > 0 ? s.MaxBytes : CheckTcp.DefaultReadChunk;
        var buffer = new byte[chunk];
        using var received = new MemoryStream();
        try
        {
            while (true)
            {
                int n = limit.Wait(stream.ReadAsync(buffer, limit.Token).AsTask());
                if (n == 0) break;
                received.Write(buffer, 0, n);
                if (n < chunk || (s.MaxBytes > 0 && received.Length >= s.MaxBytes)) break;
            }
        }
        catch (OperationCanceledException)
        {
            throw new ProbeException($"read from {Peer(s)}: timed out after {Secs(s.Timeout)} seconds");
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
            throw new ProbeException($"read from {Peer(s)}: {Reason(e)}");
        }
        return Encoding.UTF8.GetString(received.GetBuffer(), 0, (int)received.Length);
    }

    /// <summary>`host:port`, with brackets around an IPv6 literal (`[::1]:8080`).</summary>
    public static string JoinHostPort(string host, int port) =>
        host.Contains(':') && !host.StartsWith('[') ? $"[{host}]:{port}" : $"{host}:{port}";

    private static string Peer(TcpSettings s) => s.UnixSocket is { } path
        ? $"unix socket {path}"
        : JoinHostPort(s.Hostname.Length == 0 ? "localhost" : s.Hostname, s.Port);

    public static string Secs(TimeSpan? timeout) => (timeout ?? TimeSpan.Zero).TotalSeconds.ToString(CultureInfo.InvariantCulture);

    /// <summary>The OS error text, lower-cased like the C library's (`connection refused`).</summary>
    public static string Reason(Exception e)
    {
        SocketException? socketError = null;
        for (var x = e; x is not null && socketError is null; x = x.InnerException) socketError = x as SocketException;
        // AOT builds carry resource keys instead of exception texts: only the OS's own texts are shown.
        if (socketError is null) return e is ObjectDisposedException or EndOfStreamException ? "connection closed" : $"I/O error ({e.GetType().Name})";
        var text = socketError.SocketErrorCode switch
        {
            SocketError.ConnectionRefused => "connection refused",
            SocketError.ConnectionReset => "connection reset by peer",
            SocketError.Shutdown => "broken pipe",
            SocketError.TimedOut => "timed out",
            SocketError.HostUnreachable => "no route to host",
            SocketError.NetworkUnreachable => "network is unreachable",
            _ => socketError.Message,
        };
        text = text.Split('\n')[0].Trim().TrimEnd('.');
        return text.Length > 1 && char.IsUpper(text[0]) && !char.IsUpper(text[1]) ? char.ToLowerInvariant(text[0]) + text[1..] : text;
    }
}
