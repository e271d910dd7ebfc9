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
public sealed class LoopbackProxy : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();

    public LoopbackProxy()
    {
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _ = Task.Run(AcceptLoop);
    }

    public int Port { get; }
    public string Url => $"http://127.0.0.1:{Port}";

    /// <summary>Request lines as received: `GET http://mackerel.test:1234/api/v0/hosts?… HTTP/1.1`, `CONNECT host:443 HTTP/1.1`.</summary>
    public ConcurrentQueue<string> RequestLines { get; } = new();

    /// <summary>Points HTTP_PROXY and HTTPS_PROXY of <paramref name="box"/> here; the other proxy variables are unset.</summary>
    public void UseFor(Sandbox box)
    {
        foreach (var name in new[] { "http_proxy", "https_proxy", "no_proxy", "NO_PROXY", "all_proxy", "ALL_PROXY" }) box.Env[name] = null;
        box.Env["HTTP_PROXY"] = box.Env["HTTPS_PROXY"] = Url;
    }

    private async Task AcceptLoop()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try { client = await _listener.AcceptTcpClientAsync(_stop.Token); }
            catch (Exception) { return; }
            _ = Task.Run(() => Serve(client));
        }
    }

    private async Task Serve(TcpClient client)
    {
        using (client)
        {
            try
            {
                var stream = client.GetStream();
                var head = await ReadHead(stream);
                if (head is null) return;
                var lines = head.Split("\r\n");
                RequestLines.Enqueue(lines[0]);
                var parts = lines[0].Split(' ');
                if (parts[0] == "CONNECT" || parts.Length < 3 || !Uri.TryCreate(parts[1], UriKind.Absolute, out var target))
                {
                    await stream.WriteAsync(Encoding.ASCII.GetBytes("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"), _stop.Token);
                    return;
                }
                using var upstream = new TcpClient();
                await upstream.ConnectAsync(IPAddress.Loopback, target.Port, _stop.Token);
                var headers = lines.Skip(1).Where(l => l.Length > 0 && !l.StartsWith("Proxy-", StringComparison.OrdinalIgnoreCase));
                var forwarded = $"{parts[0]} {target.PathAndQuery} {parts[2]}\r\n{string.Join("\r\n", headers)}\r\n\r\n";
                var up = upstream.GetStream();
                await up.WriteAsync(Encoding.ASCII.GetBytes(forwarded), _stop.Token);
                await up.CopyToAsync(stream, _stop.Token); // the stub answers with Connection: close
            }
            catch (Exception) when (_stop.IsCancellationRequested) { }
            catch (IOException) { }
            catch (SocketException) { }
        }
    }

    private async Task<string?> ReadHead(NetworkStream stream)
    {
        var head = new StringBuilder();
        var one = new byte[1];
        while (!head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal) && head.Length < 65536)
        {
            if (await stream.ReadAsync(one, _stop.Token) == 0) return null;
            head.Append((char)one[0]);
        }
        return head.ToString();
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
    }
}
