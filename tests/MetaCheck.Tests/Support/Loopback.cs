using System.Net.Sockets;

namespace MetaCheck.Tests.Support;

/// <summary>What every loopback peer of the tests shares: accept until stopped, serve each client on its own task.</summary>
public static class Loopback
{
    /// <summary>A port bound on 127.0.0.1 with nobody listening: connections are refused, and no one else can take it while the socket lives.</summary>
    public static Socket ClosedPort(out int port)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        port = ((System.Net.IPEndPoint)socket.LocalEndPoint!).Port;
        return socket;
    }

    public static async Task AcceptLoop(Socket listener, CancellationToken stop, Func<Socket, Task> serve)
    {
        while (!stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listener.AcceptAsync(stop);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            _ = Task.Run(() => serve(client));
        }
    }
}
