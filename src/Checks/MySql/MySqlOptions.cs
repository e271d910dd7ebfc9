using System.CommandLine;
using MetaCheck.Core;

namespace MetaCheck.Checks.MySql;

/// <summary>
/// The connection options every MySQL plugin shares. The originals spelled the user option differently
/// (`-username`, `-u/--user`), so that name is a parameter; the rest is the same everywhere.
/// Without `--defaults-file` the originals' defaults apply (root at localhost:3306 over TCP); with it,
/// only what is given explicitly overrides the file.
/// </summary>
public sealed class MySqlOptions
{
    public const string PasswordVariable = "MYSQL_PASSWORD";

    public MySqlOptions(string userName = "--user", string[]? userAliases = null, string[]? portAliases = null, bool passwordOption = false,
        string[]? timeoutAliases = null)
    {
        User = Opt.Text(userName, "User to connect as (default: root).", userAliases ?? []);
        Port = Opt.OptionalInt("--port", "Server TCP port (default: 3306).", 1, 65535, portAliases ?? []);
        Timeout = Opt.Duration("--timeout", "Give up (UNKNOWN) after this long (default: 10).", TimeSpan.FromHours(1), timeoutAliases ?? []);
        if (passwordOption)
            Password = new Option<string?>("--password")
            {
                Description = $"Password (default: ${PasswordVariable}). Visible in ps: prefer ${PasswordVariable} or --defaults-file.",
            };
    }

    public Option<string?> Host { get; } = Opt.Text("--host", "Server host (default: localhost, always over TCP).");
    public Option<int?> Port { get; }
    public Option<string?> Socket { get; } = Opt.Text("--socket", "Unix socket of the server; used instead of host and port.");
    public Option<string?> User { get; }
    public Option<string?>? Password { get; }
    public Option<string?> DefaultsFile { get; } = Opt.Text("--defaults-file",
        "Client option file (my.cnf format, [client] section) with user, password, host...; only explicit options override it.");
    public Option<TimeSpan?> Timeout { get; }

    public IEnumerable<Option> All => new Option?[] { Host, Port, Socket, User, Password, DefaultsFile, Timeout }.OfType<Option>();

    /// <summary>The server to ask. The password comes from the option, else $MYSQL_PASSWORD, else the client's own sources.</summary>
    public MySqlServer Resolve(ParseResult parsed, Func<string, string?> getEnv)
    {
        var defaultsFile = parsed.GetValue(DefaultsFile);
        bool fromFile = defaultsFile is not null;
        var password = (Password is null ? null : parsed.GetValue(Password)) ?? getEnv(PasswordVariable);
        return new MySqlServer
        {
            Host = parsed.GetValue(Host) ?? (fromFile ? null : "localhost"),
            Port = parsed.GetValue(Port) ?? (fromFile ? null : 3306),
            Socket = parsed.GetValue(Socket),
            User = parsed.GetValue(User) ?? (fromFile ? null : "root"),
            Password = string.IsNullOrEmpty(password) ? null : password,
            DefaultsFile = defaultsFile,
            Timeout = parsed.GetValue(Timeout) ?? TimeSpan.FromSeconds(10),
        };
    }

    /// <summary>
    /// The arguments with any `--password` value blanked: they identify the stored counters, and a
    /// password has no business in the state store.
    /// </summary>
    public static IReadOnlyList<string> WithoutPassword(IReadOnlyList<string> args)
    {
        var result = new List<string>(args.Count);
        for (int i = 0; i < args.Count; i++)
        {
            var body = args[i].TrimStart('-');
            int eq = body.IndexOf('=');
            var name = eq < 0 ? body : body[..eq];
            bool password = args[i].StartsWith('-') && name.Length >= 2 && "password".StartsWith(name, StringComparison.Ordinal); // `-pass` too
            if (!password) result.Add(args[i]);
            else
            {
                result.Add("--password=***");
                if (eq < 0) i++;
            }
        }
        return result;
    }
}
