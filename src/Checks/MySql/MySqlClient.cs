using System.Text;
using MetaCheck.Checks.Framework;
using MetaCheck.Core;

namespace MetaCheck.Checks.MySql;

/// <summary>
/// Where and as whom to connect. A null part is left to the client, which then takes it from its
/// defaults files (`--defaults-file`, ~/.my.cnf) or its own defaults.
/// </summary>
public sealed record MySqlServer
{
    public string? Host { get; init; }
    public int? Port { get; init; }
    public string? Socket { get; init; }
    public string? User { get; init; }
    /// <summary>Handed to the client in MYSQL_PWD, so it never shows in `ps`.</summary>
    public string? Password { get; init; }
    public string? DefaultsFile { get; init; }
    public string? Database { get; init; }
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>For messages: `127.0.0.1:3306 as root`, `socket /run/mysqld/mysqld.sock as root`.</summary>
    public string Describe()
    {
        var where = Socket is not null ? $"socket {Socket}"
            : Host is not null || Port is not null ? $"{Host ?? "localhost"}:{Port ?? 3306}"
            : DefaultsFile is not null ? $"the server of {DefaultsFile}"
            : "the client's default server";
        return User is null ? where : $"{where} as {User}";
    }

    /// <summary>
    /// Batch mode, no column names, TCP unless a socket is named (the originals' Go drivers never used the
    /// socket for `localhost`, and neither do we: `--host localhost` means port 3306).
    /// </summary>
    public IReadOnlyList<string> ClientArguments(string sql)
    {
        var args = new List<string>();
        if (DefaultsFile is not null) args.Add($"--defaults-file={DefaultsFile}"); // the client wants it first
        args.Add("--batch");
        args.Add("--skip-column-names");
        args.Add($"--connect-timeout={Math.Max(1, (int)Math.Ceiling(Timeout.TotalSeconds))}");
        if (Socket is not null)
        {
            args.Add("--protocol=SOCKET");
            args.Add($"--socket={Socket}");
        }
        else if (Host is not null || Port is not null)
        {
            args.Add("--protocol=TCP");
            if (Host is not null) args.Add($"--host={Host}");
            if (Port is not null) args.Add($"--port={Port}");
        }
        if (User is not null) args.Add($"--user={User}");
        if (Database is not null) args.Add($"--database={Database}");
        args.Add($"--execute={sql}");
        return args;
    }
}

/// <summary>
/// The one way MetaCheck talks to MySQL/MariaDB: the `mariadb` (or `mysql`) command-line client in batch
/// mode, because no MySQL driver restores from this project's package source. Every failure (no client,
/// no server, wrong password, missing privilege, timeout) is a DataSourceException: one UNKNOWN line.
/// </summary>
public static class MySqlClient
{
    private static readonly string[] ClientNames = ["mariadb", "mysql"];

    /// <summary>The rows of <paramref name="sql"/>, each field unescaped; SQL NULL arrives as the text `NULL`.</summary>
    public static IReadOnlyList<string[]> Query(PluginContext context, MySqlServer server, string sql, TextWriter? trace = null)
    {
        if (server.DefaultsFile is { } file && !File.Exists(file))
            throw new DataSourceException($"cannot read the defaults file {file}: no such file");
        string[] argv = [FindClient(context), .. server.ClientArguments(sql)];
        trace?.WriteLine($"mysql: {DataSource.ShellJoin(argv)}{(server.Password is null ? "" : " (password in MYSQL_PWD)")}");
        var environment = server.Password is null ? null : new Dictionary<string, string> { ["MYSQL_PWD"] = server.Password };
        var result = DataSource.Run(context, argv, server.Timeout, environment, what: $"the query to MySQL at {server.Describe()}");
        var stdout = Encoding.UTF8.GetString(result.Stdout);
        trace?.Write(stdout);
        if (result.ExitCode != 0)
            throw new DataSourceException($"cannot query MySQL at {server.Describe()}: {Failure(Encoding.UTF8.GetString(result.Stderr), result.ExitCode)}");
        return ParseBatch(stdout);
    }

    private static string FindClient(PluginContext context)
    {
        foreach (var name in ClientNames)
        {
            try
            {
                return ExecutableResolver.Resolve(name, context.GetEnv("PATH"));
            }
            catch (LaunchException)
            {
            }
        }
        throw new DataSourceException("no MySQL client: neither mariadb nor mysql is in PATH (install it: apt install mariadb-client)");
    }

    /// <summary>The client's own `ERROR nnnn (state): text` line, plus what to do for the usual causes.</summary>
    public static string Failure(string stderr, int exitCode)
    {
        var lines = stderr.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0).ToList();
        var error = lines.FirstOrDefault(l => l.StartsWith("ERROR", StringComparison.Ordinal)) ?? lines.FirstOrDefault()
            ?? $"the client exited {exitCode} without a message";
        var hint = ErrorCode(error) switch
        {
            1045 or 1698 => " (check the user and the password: MYSQL_PASSWORD or --defaults-file)",
            2002 or 2003 or 2005 or 2006 or 2013 => " (is the server running and reachable there?)",
            1044 or 1049 => " (check --db-name/--database and the user's grants)",
            _ => "",
        };
        return error + hint;
    }

    private static int ErrorCode(string line)
    {
        var parts = line.Split(' ', 3);
        return parts.Length >= 2 && parts[0] == "ERROR" && int.TryParse(parts[1], out var code) ? code : 0;
    }

    /// <summary>Batch output: rows by newline, fields by tab, with `\t` `\n` `\\` `\0` escaped by the client.</summary>
    public static IReadOnlyList<string[]> ParseBatch(string stdout)
    {
        var rows = new List<string[]>();
        foreach (var line in stdout.Split('\n'))
        {
            if (line.Length == 0) continue;
            rows.Add([.. line.Split('\t').Select(Unescape)]);
        }
        return rows;
    }

    private static string Unescape(string field)
    {
        if (!field.Contains('\\')) return field;
        var sb = new StringBuilder(field.Length);
        for (int i = 0; i < field.Length; i++)
        {
            if (field[i] != '\\' || i + 1 == field.Length)
            {
                sb.Append(field[i]);
                continue;
            }
            sb.Append(field[++i] switch { 't' => '\t', 'n' => '\n', '0' => '\0', var c => c });
        }
        return sb.ToString();
    }
}
