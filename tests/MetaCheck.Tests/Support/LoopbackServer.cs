using System.Net;
using System.Net.Sockets;
using System.Text;

namespace MetaCheck.Tests.Support;

/// <summary>
/// A raw TCP peer on 127.0.0.1 for the HTTP test doubles: accepts until disposed and hands each
/// connection's stream to <see cref="Serve"/>; a connection that fails or is cut at shutdown just ends.
/// </summary>
public abstract class LoopbackServer : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();

    protected LoopbackServer()
    {
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _ = Task.Run(AcceptLoop);
    }

    public int Port { get; }

    /// <summary>Cancelled when the server is disposed.</summary>
    protected CancellationToken Stopping => _stop.Token;

    protected abstract Task Serve(NetworkStream stream);

    /// <summary>An HTTP request head (request line and headers, up to the blank line), or null if the peer closed first.</summary>
    protected async Task<string?> ReadHead(NetworkStream stream)
    {
        var head = new StringBuilder();
        var one = new byte[1];
        while (!head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal) && head.Length < 65536)
        {
            if (await stream.ReadAsync(one, Stopping) == 0) return null;
            head.Append((char)one[0]);
        }
        return head.ToString();
    }

    private async Task AcceptLoop()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try { client = await _listener.AcceptTcpClientAsync(_stop.Token); }
            catch (Exception) { return; }
            _ = Task.Run(() => ServeClient(client));
        }
    }

    private async Task ServeClient(TcpClient client)
    {
        using (client)
        {
            try
            {
                await Serve(client.GetStream());
            }
            catch (Exception) when (_stop.IsCancellationRequested) { }
            catch (IOException) { }
            catch (SocketException) { }
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
    }
}
