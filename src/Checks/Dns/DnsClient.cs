using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using MetaCheck.Checks.Framework;

namespace MetaCheck.Checks.Dns;

public enum DnsTransport { Udp, Tcp }

/// <summary>The server did not answer in time, or could not be reached at all.</summary>
/// <param name="refused">Nothing listens there: the host answered the query with "port unreachable" at once.</param>
public sealed class DnsTimeoutException(string message, bool refused = false) : Exception(message)
{
    public bool Refused => refused;
}

/// <summary>One question to one server: UDP first, TCP when the UDP answer is truncated (RFC 1035 4.2).</summary>
public static class DnsClient
{
    public static DnsResponse Query(IPEndPoint server, string name, DnsType type, TimeSpan timeout, DnsTransport transport = DnsTransport.Udp)
    {
        ushort id = (ushort)Random.Shared.Next(0, 65536);
        var query = DnsMessage.Query(id, name, type);
        var deadline = Stopwatch.StartNew();
        if (transport == DnsTransport.Udp)
        {
            var response = QueryUdp(server, query, id, timeout);
            if (!response.Truncated) return response;
            transport = DnsTransport.Tcp;
        }
        var left = timeout - deadline.Elapsed;
        return QueryTcp(server, query, id, left > TimeSpan.Zero ? left : TimeSpan.FromMilliseconds(1));
    }

    private static DnsResponse QueryUdp(IPEndPoint server, byte[] query, ushort id, TimeSpan timeout)
    {
        using var socket = new Socket(server.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            socket.Connect(server);
            socket.Send(query);
        }
        catch (SocketException e)
        {
            // A broadcast address, a link-local one without its interface, no route: the query never left.
            throw new DnsTimeoutException($"cannot send the query to {server}: {CheckTcp.TcpProbe.Reason(e)}");
        }
        var buffer = new byte[4096];
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var left = timeout - clock.Elapsed;
            bool readable = left > TimeSpan.Zero && socket.Poll(left, SelectMode.SelectRead);
            // An ICMP "port unreachable" wakes poll() with an error, not with data: say refused, not "no answer".
            if (!readable && WasRefused(socket)) throw Refused(server);
            if (!readable && clock.Elapsed < timeout) continue;
            if (!readable) throw new DnsTimeoutException($"no answer from {server} within {timeout.TotalSeconds:0.###} s");
            int n;
            try
            {
                n = socket.Receive(buffer);
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionRefused or SocketError.ConnectionReset)
            {
                throw Refused(server);
            }
            var response = DnsMessage.Parse(buffer.AsSpan(0, n));
            if (response.Id == id) return response; // a stray or spoofed datagram otherwise: keep waiting
        }
    }

    private static DnsTimeoutException Refused(IPEndPoint server) =>
        new($"{server} refused the query (nothing listens on that port)", refused: true);

    /// <summary>Whether the socket's pending error (SO_ERROR, cleared by reading it) is "connection refused".</summary>
    private static bool WasRefused(Socket socket) =>
        socket.GetSocketOption(SocketOptionLevel.Socket, SocketOptionName.Error) is int error
        && (SocketError)error is SocketError.ConnectionRefused or SocketError.ConnectionReset;

    private static DnsResponse QueryTcp(IPEndPoint server, byte[] query, ushort id, TimeSpan timeout)
    {
        using var socket = new Socket(server.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            var connect = socket.ConnectAsync(server);
            if (!connect.Wait(timeout)) throw new DnsTimeoutException($"no TCP connection to {server} within {timeout.TotalSeconds:0.###} s");
        }
        catch (AggregateException e) when (e.InnerException is SocketException s)
        {
            throw new DnsTimeoutException($"cannot connect to {server} over TCP: {s.Message}");
        }
        socket.ReceiveTimeout = socket.SendTimeout = Math.Max(1, (int)timeout.TotalMilliseconds);
        var framed = new byte[query.Length + 2];
        BinaryPrimitives.WriteUInt16BigEndian(framed, (ushort)query.Length);
        query.CopyTo(framed, 2);
        try
        {
            socket.Send(framed);
            var lengthBytes = ReceiveExactly(socket, 2);
            var response = DnsMessage.Parse(ReceiveExactly(socket, BinaryPrimitives.ReadUInt16BigEndian(lengthBytes)));
            return response.Id == id ? response : throw new DnsFormatException("TCP answer carries another query's id");
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.TimedOut)
        {
            throw new DnsTimeoutException($"no TCP answer from {server} within {timeout.TotalSeconds:0.###} s");
        }
    }

    private static byte[] ReceiveExactly(Socket socket, int count)
    {
        var buffer = new byte[count];
        int read = 0;
        while (read < count)
        {
            int n = socket.Receive(buffer, read, count - read, SocketFlags.None);
            if (n == 0) throw new DnsFormatException("server closed the TCP connection mid-answer");
            read += n;
        }
        return buffer;
    }

    /// <summary>`192.0.2.53`, `192.0.2.53:5353`, `::1`, `[::1]:5353`.</summary>
    public static IPEndPoint ParseServer(string text, int defaultPort = 53)
    {
        if (InetAddress.TryParseEndPoint(text, defaultPort, out var endpoint)) return endpoint;
        throw new FormatException($"'{text}' is not an IP address with an optional :port");
    }
}
