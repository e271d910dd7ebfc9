using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using MetaCheck.Checks.Dns;

namespace MetaCheck.Tests.Support;

/// <summary>A real dnsmasq (Debian's dnsmasq-base) serving a .test zone on a free loopback port.</summary>
public sealed class Dnsmasq : IDisposable
{
    private Process _process = null!;
    private readonly string _dir;

    public Dnsmasq(IEnumerable<string> hostsLines, params string[] extraArgs)
    {
        _dir = Path.Combine(Path.GetTempPath(), "dnsmasq-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(_dir);
        var hosts = Path.Combine(_dir, "hosts");
        File.WriteAllLines(hosts, hostsLines);
        // A port free for UDP may be taken for TCP (dnsmasq binds both), or taken by a parallel test
        // in between: start again on another port when the bind fails.
        for (int attempt = 1; ; attempt++)
        {
            Port = FreePort();
            var info = new ProcessStartInfo("/usr/sbin/dnsmasq")
            {
                UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true,
            };
            foreach (var arg in new[]
                     {
                         "--keep-in-foreground", "--no-resolv", "--no-hosts", "--bind-interfaces", "--listen-address=127.0.0.1",
                         $"--port={Port}", $"--addn-hosts={hosts}", "--local=/test/", "--pid-file=", "--user=root", "--log-facility=-",
                     }.Concat(extraArgs))
                info.ArgumentList.Add(arg);
            _process = Process.Start(info)!;
            try
            {
                WaitUntilAnswering();
                return;
            }
            catch (InvalidOperationException e) when (attempt < 5 && e.Message.Contains("Address already in use"))
            {
                _process.Dispose();
            }
        }
    }

    public int Port { get; private set; }
    public string Server => $"127.0.0.1:{Port}";
    public IPEndPoint EndPoint => new(IPAddress.Loopback, Port);

    private static int FreePort()
    {
        using var udp = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)udp.Client.LocalEndPoint!).Port;
    }

    private void WaitUntilAnswering()
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < Patience.Bound)
        {
            if (_process.HasExited) throw new InvalidOperationException($"dnsmasq exited: {_process.StandardError.ReadToEnd()}");
            try
            {
                DnsClient.Query(EndPoint, "ready.test", DnsType.A, TimeSpan.FromMilliseconds(200));
                return;
            }
            catch (DnsTimeoutException)
            {
                Thread.Sleep(50);
            }
        }
        throw new TimeoutException($"dnsmasq did not answer within {Patience.Bound.TotalSeconds} s");
    }

    public void Dispose()
    {
        try { _process.Kill(); _process.WaitForExit(); } catch (InvalidOperationException) { }
        _process.Dispose();
        Directory.Delete(_dir, recursive: true);
    }
}
