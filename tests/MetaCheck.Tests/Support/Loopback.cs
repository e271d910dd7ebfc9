using System.Net.Sockets;

namespace MetaCheck.Tests.Support;

/// <summary>What every loopback peer of the tests shares: accept until stopped, serve each client on its own task.</summary>
public static class Loopback
{
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
