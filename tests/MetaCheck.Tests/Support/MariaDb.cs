using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace MetaCheck.Tests.Support;

/// <summary>
/// A real MariaDB server (Debian's mariadb-server-core), started for the MySQL tests in a temporary
/// datadir with its own socket and loopback port, and removed with all its passwords at the end.
/// The server process runs in Japan time (TZ=JST-9) and sessions default to UTC-5, so anything that
/// mixes up the server's clocks (the original longtransaction check did) gets visibly wrong answers.
/// </summary>
public sealed class MariaDb : IDisposable
{
    public const string MonitorUser = "monitor";
    public const string NoProcessUser = "noproc";
    private readonly Process _server;
    private string? _rootPassword; // none until the bootstrap below sets one

    public MariaDb()
    {
        Dir = Path.Combine("/tmp", "mariadb-" + Guid.NewGuid().ToString("N")[..8]); // short: a socket path has a 108-byte limit
        Directory.CreateDirectory(Dir);
        var user = Environment.UserName;
        Exec("mariadb-install-db", "--no-defaults", $"--datadir={DataDir}", "--auth-root-authentication-method=normal", "--skip-test-db", $"--user={user}");
        for (int attempt = 1; ; attempt++)
        {
            Port = FreePort();
            var info = new ProcessStartInfo("mariadbd") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var arg in new[]
                     {
                         "--no-defaults", $"--datadir={DataDir}", $"--socket={Socket}", $"--port={Port}", "--bind-address=127.0.0.1",
                         $"--pid-file={Dir}/mariadbd.pid", $"--user={user}", $"--log-error={Dir}/error.log", "--skip-log-bin",
                         "--skip-name-resolve", "--performance-schema=OFF", "--innodb-buffer-pool-size=16M", "--innodb-log-file-size=8M",
                         "--innodb-use-native-aio=0", // no io_uring/libaio: containers often forbid them
                         "--default-time-zone=-05:00",
                     })
                info.ArgumentList.Add(arg);
            info.Environment["TZ"] = "JST-9";
            _server = Process.Start(info)!;
            if (WaitUntilReady()) break;
            var log = File.Exists($"{Dir}/error.log") ? File.ReadAllText($"{Dir}/error.log") : "";
            if (attempt >= 5 || !log.Contains("Address already in use")) throw new InvalidOperationException($"mariadbd did not start:\n{log}");
        }
        // The root account gets a password nobody keeps; the checks connect as a monitoring user over TCP.
        var rootPassword = Guid.NewGuid().ToString("N");
        RootSql($"""
            ALTER USER root@localhost IDENTIFIED BY '{rootPassword}';
            CREATE USER {MonitorUser}@'%' IDENTIFIED BY '{MonitorPassword}';
            GRANT PROCESS ON *.* TO {MonitorUser}@'%';
            GRANT SELECT ON mysql.* TO {MonitorUser}@'%';
            CREATE USER {NoProcessUser}@'%' IDENTIFIED BY '{MonitorPassword}';
            CREATE DATABASE app;
            CREATE TABLE app.t (id INT PRIMARY KEY) ENGINE=InnoDB;
            """);
        _rootPassword = rootPassword;
    }

    public string Dir { get; }
    public string DataDir => Path.Combine(Dir, "data");
    public string Socket => Path.Combine(Dir, "mysqld.sock");
    public int Port { get; private set; }
    public string MonitorPassword { get; } = "m0n-" + Guid.NewGuid().ToString("N")[..12];

    /// <summary>A sandbox whose commands connect as the monitoring user (its password in MYSQL_PASSWORD).</summary>
    public Sandbox MonitorSandbox() => new() { Env = { ["MYSQL_PASSWORD"] = MonitorPassword } };

    /// <summary>`--host 127.0.0.1 --port N --user monitor` in the spelling every plugin accepts.</summary>
    public string[] Tcp(string userOption = "--user", string user = MonitorUser) => ["--host", "127.0.0.1", "--port", Port.ToString(), userOption, user];

    /// <summary>Runs SQL as root over the socket and returns the batch output.</summary>
    public string RootSql(string sql) =>
        Exec("mariadb", "--no-defaults", "--batch", "--skip-column-names", $"--socket={Socket}", "--user=root", $"--execute={sql}");

    /// <summary>
    /// A transaction held open by a second client until disposed. START TRANSACTION WITH CONSISTENT
    /// SNAPSHOT makes InnoDB register it at once, as an application's forgotten transaction would be.
    /// </summary>
    public IDisposable OpenTransaction()
    {
        var info = new ProcessStartInfo("mariadb")
        {
            UseShellExecute = false, RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true,
        };
        foreach (var arg in new[] { "--no-defaults", "--batch", "--unbuffered", "--skip-column-names", $"--socket={Socket}", "--user=root" })
            info.ArgumentList.Add(arg);
        if (_rootPassword is not null) info.Environment["MYSQL_PWD"] = _rootPassword;
        var client = Process.Start(info)!;
        client.StandardInput.WriteLine("SELECT CONNECTION_ID(); START TRANSACTION WITH CONSISTENT SNAPSHOT; SELECT COUNT(*) FROM app.t;");
        client.StandardInput.Flush();
        var connection = client.StandardOutput.ReadLine()
            ?? throw new InvalidOperationException($"the transaction's client exited: {client.StandardError.ReadToEnd()}");
        WaitFor(() => TransactionsOf(connection) > 0, "the transaction to show in INNODB_TRX");
        return new Transaction(this, client, connection);
    }

    private int TransactionsOf(string connection) =>
        int.Parse(RootSql($"SELECT COUNT(*) FROM information_schema.INNODB_TRX WHERE trx_mysql_thread_id = {connection}").Trim());

    private sealed class Transaction(MariaDb server, Process client, string connection) : IDisposable
    {
        public void Dispose()
        {
            client.StandardInput.Close(); // the client exits; the server rolls the transaction back
            if (!client.WaitForExit(Patience.Bound)) throw new TimeoutException("the transaction's client did not exit after its stdin closed");
            client.Dispose();
            server.WaitFor(() => server.TransactionsOf(connection) == 0, "the transaction to leave INNODB_TRX");
        }
    }

    /// <summary>A real mariabackup of the server, recorded in mysql.mariadb_backup_history under <paramref name="name"/>.</summary>
    public void Backup(string targetDir, string name) =>
        Exec("mariabackup", "--no-defaults", "--backup", $"--target-dir={targetDir}", $"--socket={Socket}", "--user=root",
            $"--history={name}", $"--datadir={DataDir}");

    /// <summary>A real mysqldump of every database into <paramref name="file"/>.</summary>
    public void Dump(string file) =>
        File.WriteAllText(file, Exec("mariadb-dump", "--no-defaults", $"--socket={Socket}", "--user=root", "--all-databases"));

    private bool WaitUntilReady()
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(60))
        {
            if (_server.HasExited) return false;
            if (File.Exists(Socket) && Run("mariadb", "--no-defaults", $"--socket={Socket}", "--user=root", "--execute=SELECT 1").ExitCode == 0) return true;
            Thread.Sleep(100);
        }
        throw new TimeoutException("mariadbd was not ready within 60 s");
    }

    private void WaitFor(Func<bool> condition, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > Patience.Bound) throw new TimeoutException($"waited {Patience.Bound.TotalSeconds} s for {what}");
            // InnoDB refreshes its INNODB_TRX cache only after 100 ms without a read: polling faster freezes it.
            Thread.Sleep(250);
        }
    }

    private string Exec(string file, params string[] args)
    {
        var (exit, stdout, stderr) = Run(file, args);
        if (exit != 0) throw new InvalidOperationException($"{file} failed (exit {exit}): {stderr}");
        return stdout;
    }

    /// <summary>Runs a MariaDB tool as root: the root password travels in MYSQL_PWD, which they all read.</summary>
    private (int ExitCode, string Stdout, string Stderr) Run(string file, params string[] args)
    {
        var info = new ProcessStartInfo(file) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args) info.ArgumentList.Add(arg);
        if (_rootPassword is not null) info.Environment["MYSQL_PWD"] = _rootPassword;
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(60))) process.Kill(entireProcessTree: true);
        process.WaitForExit();
        return (process.ExitCode, stdout.Result, stderr.Result);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public void Dispose()
    {
        try
        {
            Process.Start("kill", ["-TERM", _server.Id.ToString()])!.WaitForExit();
            if (!_server.WaitForExit(TimeSpan.FromSeconds(20))) _server.Kill();
            _server.WaitForExit();
        }
        catch (InvalidOperationException)
        {
        }
        _server.Dispose();
        Directory.Delete(Dir, recursive: true);
    }
}

[CollectionDefinition(Name)]
public sealed class MariaDbCollection : ICollectionFixture<MariaDb>
{
    public const string Name = "mariadb";
}
