using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace MetaCheck.Tests.Support;

/// <summary>
/// A forward HTTP proxy on 127.0.0.1, as an egress proxy looks to a client: it records each request line,
/// forwards an absolute-form `GET http://name:port/path` to 127.0.0.1:port (every name is this machine),
/// and answers `CONNECT` with 403 (enough to see that the client asked for a tunnel).
/// </summary>
public sealed class LoopbackProxy : LoopbackServer
{
    public string Url => $"http://127.0.0.1:{Port}";

    /// <summary>Request lines as received: `GET http://mackerel.test:1234/api/v0/hosts?… HTTP/1.1`, `CONNECT host:443 HTTP/1.1`.</summary>
    public ConcurrentQueue<string> RequestLines { get; } = new();

    /// <summary>Points HTTP_PROXY and HTTPS_PROXY of <paramref name="box"/> here; the other proxy variables are unset.</summary>
    public void UseFor(Sandbox box)
    {
        foreach (var name in new[] { "http_proxy", "https_proxy", "no_proxy", "NO_PROXY", "all_proxy", "ALL_PROXY" }) box.Env[name] = null;
        box.Env["HTTP_PROXY"] = box.Env["HTTPS_PROXY"] = Url;
    }

    protected override async Task Serve(NetworkStream stream)
    {
        var head = await ReadHead(stream);
        if (head is null) return;
        var lines = head.Split("\r\n");
        RequestLines.Enqueue(lines[0]);
        var parts = lines[0].Split(' ');
        if (parts[0] == "CONNECT" || parts.Length < 3 || !Uri.TryCreate(parts[1], UriKind.Absolute, out var target))
        {
            await stream.WriteAsync(Encoding.ASCII.GetBytes("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"), Stopping);
            return;
        }
        using var upstream = new TcpClient();
        await upstream.ConnectAsync(IPAddress.Loopback, target.Port, Stopping);
        var headers = lines.Skip(1).Where(l => l.Length > 0 && !l.StartsWith("Proxy-", StringComparison.OrdinalIgnoreCase));
        var forwarded = $"{parts[0]} {target.PathAndQuery} {parts[2]}\r\n{string.Join("\r\n", headers)}\r\n\r\n";
        var up = upstream.GetStream();
        await up.WriteAsync(Encoding.ASCII.GetBytes(forwarded), Stopping);
        await up.CopyToAsync(stream, Stopping); // the stub answers with Connection: close
    }
}
