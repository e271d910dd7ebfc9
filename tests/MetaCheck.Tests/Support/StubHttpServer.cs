using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace MetaCheck.Tests.Support;

/// <summary>What the stub answers to one request; <see cref="Hang"/> (<see cref="Hangs"/>) accepts and never answers.</summary>
public sealed record StubReply(int Status, string Reason, string Body, bool Hangs = false, bool Closes = false)
{
    public static StubReply Json(string body) => new(200, "OK", body);
    public static StubReply Hang() => new(0, "", "", Hangs: true);

    /// <summary>Reads the request, then closes the connection without a word.</summary>
    public static StubReply Close() => new(0, "", "", Closes: true);
}

/// <summary>
/// A real HTTP/1.1 peer on 127.0.0.1 (raw TcpListener): answers every request with <see cref="Reply"/>,
/// records the request paths, and can hold a connection open without answering (timeouts).
/// </summary>
public sealed class StubHttpServer(StubReply reply) : LoopbackServer
{
    public string Url => $"http://127.0.0.1:{Port}/";
    public volatile StubReply Reply = reply;
    public ConcurrentQueue<string> Requests { get; } = new();

    /// <summary>Every request's line and headers, as received (header assertions).</summary>
    public ConcurrentQueue<string> Heads { get; } = new();

    /// <summary>When set, picks the reply per request path (with query); <see cref="Reply"/> otherwise.</summary>
    public volatile Func<string, StubReply>? Route;

    /// <summary>A loopback port with nothing listening (bound, then released).</summary>
    public static int RefusedPort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        int port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    protected override async Task Serve(NetworkStream stream)
    {
        var head = await ReadHead(stream);
        if (head is null) return;
        var requestLine = head.Split("\r\n")[0].Split(' ');
        var target = requestLine.Length > 1 ? requestLine[1] : "";
        Requests.Enqueue(target);
        Heads.Enqueue(head);
        var reply = Route?.Invoke(target) ?? Reply;
        if (reply.Closes) return;
        if (reply.Hangs)
        {
            await Task.Delay(Timeout.Infinite, Stopping);
            return;
        }
        var body = Encoding.UTF8.GetBytes(reply.Body);
        var header = $"HTTP/1.1 {reply.Status} {reply.Reason}\r\nContent-Type: application/json\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(header), Stopping);
        await stream.WriteAsync(body, Stopping);
    }
}
