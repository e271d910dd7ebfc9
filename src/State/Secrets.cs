using System.Text;
using System.Text.RegularExpressions;

namespace MetaCheck.State;

/// <summary>
/// Finds the secrets in an inner command line, so that none is stored or shown: the key, the stored
/// argv, every display and the wrappers' own messages use <see cref="Redaction.Argv"/>, and the store
/// scrubs <see cref="Redaction.Values"/> out of the output it keeps (a check that echoes its password,
/// a shell that prints its command). The rules, each with its reason in docs/state-store.md:
/// <list type="bullet">
/// <item>an option whose name says it is a secret, any program: `--password x`, `--dbpass=x`, `--pw x`,
///   `-apikey x` (Go flags), `--community x`; a `--password-file` also has the file's lines scrubbed;</item>
/// <item>single-letter options of known programs (<see cref="LetterRules"/>): `mysql -pX`, `check_mysql -p X`,
///   `sshpass -p X`, `redis-cli -a X`, `snmpwalk -c X`, `check_snmp -C X`, `curl -u user:X`;</item>
/// <item>`-pWORD` of any other program when WORD holds a secret word: the letter's attached value, so
///   the next argument stays as it was;</item>
/// <item>anywhere in an argument: URL credentials (`https://user:X@host`), secret query parameters
///   (`?token=X`), headers (`Authorization: Bearer X`), environment assignments (`MYSQL_PWD=X`);</item>
/// <item>an argument that is a shell script (`sh -c '...'`, one-string commands) is split into words
///   and redacted by the same rules; a known program anywhere in argv (after `sudo`, `timeout`, `env`,
///   a nested wrapper's `--`) decides what its letters mean.</item>
/// </list>
/// Redacting a redacted argv changes nothing, so a key stays the same across upgrades.
/// </summary>
public static partial class Secrets
{
    public const string Mask = "***";

    /// <summary>Shorter values are not scrubbed from output: replacing every "ab" would garble it, and protect little.</summary>
    public const int MinScrubLength = 4;

    public static IReadOnlyList<string> Redact(IReadOnlyList<string> argv) => Find(argv).Argv;

    /// <summary>The redacted argv and the secret values it held (with the lines of the password files it names).</summary>
    public static Redaction Find(IReadOnlyList<string> argv, bool readSecretFiles = false)
    {
        var finder = new Finder(readSecretFiles);
        return new Redaction(finder.Words(argv), finder.Values);
    }

    /// <summary>What a letter option means to a program: takes a secret (either form or attached only), or a user:secret pair.</summary>
    private sealed record LetterRule(string Letters, bool AttachedOnly = false, bool UserPair = false);

    private static readonly string[] MysqlClients = ["mysql", "mysqladmin", "mysqldump", "mysqlshow", "mysqlcheck", "mysqlimport", "mysqlslap",
        "mariadb", "mariadb-admin", "mariadb-dump", "mariadb-check", "mariadb-show", "mariadb-import", "mariadb-slap"];

    private static readonly Dictionary<string, LetterRule> LetterRules = BuildLetterRules();

    private static Dictionary<string, LetterRule> BuildLetterRules()
    {
        var rules = new Dictionary<string, LetterRule>(StringComparer.Ordinal);
        // mysql -p alone prompts; its password is only ever attached (`-p X` makes X the database).
        foreach (var client in MysqlClients) rules[client] = new LetterRule("p", AttachedOnly: true);
        foreach (var name in new[] { "check_mysql", "check_mysql_query", "check_pgsql", "check_disk_smb", "sshpass", "mongo", "mongosh" })
            rules[name] = new LetterRule("p");
        rules["redis-cli"] = new LetterRule("a");
        rules["check_ldap"] = rules["check_ldaps"] = rules["check_smtp"] = new LetterRule("P");
        rules["check_radius"] = new LetterRule("s");
        rules["curl"] = new LetterRule("uU", UserPair: true);
        rules["check_http"] = rules["check_curl"] = new LetterRule("ab", UserPair: true);
        return rules;
    }

    /// <summary>Net-SNMP's tools take the community as -c, monitoring-plugins' and the check_snmp_* scripts as -C; -A/-X are v3 passphrases.</summary>
    private static LetterRule? RuleFor(string program) =>
        LetterRules.TryGetValue(program, out var rule) ? rule
        : program.StartsWith("check_snmp", StringComparison.Ordinal) ? new LetterRule("CAX")
        : program.StartsWith("snmp", StringComparison.Ordinal) && program.Length > 4 ? new LetterRule("cAX")
        : null;

    private static readonly string[] SecretSuffixes = ["password", "passwd", "passphrase", "pass", "pwd", "secret", "token", "apikey", "credential", "credentials", "community", "authorization"];
    private static readonly string[] NotSecrets = ["bypass", "askpass", "compass"];

    /// <summary>
    /// An option or variable name that says its value is a secret: one of its words (split on - and _)
    /// ends with a secret word (`dbpass`, `client-secret`, `MYSQL_PWD`), or is `pw`, or the name holds
    /// `api-key`. Switches that merely mention one (`--no-password`, `--skip-password`, `--askpass`) are not.
    /// </summary>
    public static bool IsSecretName(string name, bool environment = false, bool singleDash = false)
    {
        var words = name.ToLowerInvariant().Replace('_', '-').Split('-', StringSplitOptions.RemoveEmptyEntries);
        if (words.Length == 0 || words[0] is "no" or "skip" or "ask" or "use") return false;
        if (string.Join('-', words).Contains("api-key", StringComparison.Ordinal)) return true;
        // `-psecret-x` is -p and its value, not a Go flag: a single-dash name ends with its secret word (-db-pass, -password-file).
        if (singleDash) words = words.Length > 1 && words[^1] == "file" ? [words[^2]] : [words[^1]];
        foreach (var whole in words)
        {
            var word = whole.Length > 4 && whole.EndsWith("file", StringComparison.Ordinal) ? whole[..^4] : whole; // passfile, tokenfile
            if (word == "pw" || (environment && word == "auth")) return true;
            if (Array.IndexOf(NotSecrets, word) < 0 && SecretSuffixes.Any(s => word.EndsWith(s, StringComparison.Ordinal))) return true;
        }
        return false;
    }

    /// <summary>Words that, inside `-pWORD` of a program we know nothing of, make WORD a secret the letter carries.</summary>
    private static readonly string[] SecretWords = ["password", "passwd", "secret", "token", "apikey"];

    private static bool IsFileName(string name) => name.ToLowerInvariant().EndsWith("file", StringComparison.Ordinal);

    [GeneratedRegex(@"\b([a-zA-Z][a-zA-Z0-9+.-]*://)([^\s/?#@:'""]*):([^\s/?#@'""]+)@", RegexOptions.CultureInvariant)]
    private static partial Regex UrlCredentials { get; }

    [GeneratedRegex(@"([?&;])([A-Za-z0-9_.\-\[\]]+)=([^&#\s'""]+)", RegexOptions.CultureInvariant)]
    private static partial Regex QueryParameter { get; }

    // At the start of a word or after a literal \r\n (check-tcp -s strings); the value ends at the line's end or a quote.
    [GeneratedRegex(@"(?<=^|\\[rn]|[\s'""=])((?:proxy-)?authorization|cookie|set-cookie|x-[a-z0-9-]*(?:token|key|secret|auth|password)[a-z0-9-]*)(\s*:\s*)([^\r\n'""\\]+)",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Header { get; }

    [GeneratedRegex(@"^([A-Za-z_][A-Za-z0-9_]*)=(.*)$", RegexOptions.Singleline | RegexOptions.CultureInvariant)]
    private static partial Regex Assignment { get; }

    /// <summary>Query parameters that carry a secret beyond <see cref="IsSecretName"/>'s names.</summary>
    private static readonly string[] SecretParameters = ["key", "sig", "signature", "auth", "code", "access_token", "id_token"];

    private sealed class Finder(bool readSecretFiles)
    {
        public List<string> Values { get; } = [];

        private string Hide(string value)
        {
            if (value.Length > 0 && value != Mask && !Values.Contains(value)) Values.Add(value);
            return Mask;
        }

        /// <summary>`user:secret` shows the user; a bare value is hidden whole.</summary>
        private string HidePair(string value)
        {
            int colon = value.IndexOf(':');
            return colon < 0 ? Hide(value) : value[..(colon + 1)] + Hide(value[(colon + 1)..]);
        }

        public List<string> Words(IReadOnlyList<string> argv)
        {
            var result = new List<string>(argv.Count);
            string program = "";
            for (int i = 0; i < argv.Count; i++)
            {
                var arg = argv[i];
                bool hasNext = i + 1 < argv.Count;
                if (!arg.StartsWith('-') || arg == "-" || arg == "--")
                {
                    // The program, a nested one (wrapper -- check, sudo mysql, timeout 5 mysql) decides what letters mean.
                    var name = Path.GetFileName(arg);
                    if (i == 0 || argv[i - 1] == "--" || RuleFor(name) is not null) program = name;
                    result.Add(Text(arg, script: argv.Count == 1 || (i > 0 && argv[i - 1] == "-c")));
                    continue;
                }
                var rule = RuleFor(program);
                bool longOption = arg.StartsWith("--", StringComparison.Ordinal);
                var body = arg[(longOption ? 2 : 1)..];
                int eq = body.IndexOf('=');
                var optionName = eq < 0 ? body : body[..eq];
                if (!longOption && rule is not null && rule.Letters.Contains(body[0]))
                {
                    if (body.Length > 1) result.Add(arg[..2] + (rule.UserPair ? HidePair(body[1..]) : Hide(body[1..])));
                    else
                    {
                        result.Add(arg);
                        if (!rule.AttachedOnly && hasNext) result.Add(rule.UserPair ? HidePair(argv[++i]) : Hide(argv[++i]));
                    }
                }
                else if (program == "curl" && optionName is "user" or "proxy-user" && longOption)
                {
                    if (eq >= 0) result.Add(arg[..(arg.Length - body.Length + eq + 1)] + HidePair(body[(eq + 1)..]));
                    else
                    {
                        result.Add(arg);
                        if (hasNext) result.Add(HidePair(argv[++i]));
                    }
                }
                else if (optionName.Length > 1 && IsSecretName(optionName, singleDash: !longOption))
                {
                    var value = eq >= 0 ? body[(eq + 1)..] : hasNext ? argv[i + 1] : null;
                    if (value is not null && IsFileName(optionName)) HideFileContents(value);
                    if (eq >= 0) result.Add(arg[..(arg.Length - body.Length + eq + 1)] + Hide(value!));
                    else
                    {
                        result.Add(arg);
                        if (hasNext) result.Add(Hide(argv[++i]));
                    }
                }
                else if (!longOption && body.Length > 2 && SecretWords.Any(w => body.Contains(w, StringComparison.OrdinalIgnoreCase)))
                    result.Add(arg[..2] + Hide(body[1..]));
                else result.Add(Text(arg));
            }
            return result;
        }

        /// <summary>
        /// A word that is not an option: an environment assignment, or text with URLs, query strings
        /// and headers in it, or a shell script (the argument of -c, a one-string command), whose words
        /// are redacted as argv is.
        /// </summary>
        private string Text(string text, bool script = false)
        {
            text = Header.Replace(text, m =>
            {
                var value = m.Groups[3].Value.TrimEnd();
                int space = value.IndexOf(' ');
                // Keep the scheme (Basic, Bearer) of a two-word value: it tells what was sent, not the secret.
                var shown = space > 0 ? value[..(space + 1)] + Hide(value[(space + 1)..].Trim()) : Hide(value);
                return m.Groups[1].Value + m.Groups[2].Value + shown + m.Groups[3].Value[value.Length..];
            });
            var words = ShellWords.Split(text);
            // `env 'A=b c'` assigns "b c"; in a script `A=b cmd` runs cmd.
            if ((!script || words.Count < 2) && Assignment.Match(text) is { Success: true } assignment
                && IsSecretName(assignment.Groups[1].Value, environment: true))
                return assignment.Groups[1].Value + "=" + Hide(assignment.Groups[2].Value);
            text = UrlCredentials.Replace(text, m => m.Groups[1].Value + m.Groups[2].Value + ":" + Hide(m.Groups[3].Value) + "@");
            text = QueryParameter.Replace(text, m =>
                IsSecretName(m.Groups[2].Value) || SecretParameters.Contains(m.Groups[2].Value.ToLowerInvariant())
                    ? m.Groups[1].Value + m.Groups[2].Value + "=" + Hide(m.Groups[3].Value) : m.Value);
            return Script(text);
        }

        /// <summary>A script's words (`sh -c 'mysql -pX'`) redacted in place; quoting and everything else stay as written.</summary>
        private string Script(string text)
        {
            var words = ShellWords.Split(text);
            if (words.Count < 2) return text;
            var redacted = Words([.. words.Select(w => w.Value)]);
            // Words() keeps one word for one word (`-p X` stays two): positions line up.
            if (redacted.Count != words.Count) return text;
            var sb = new StringBuilder(text.Length);
            int at = 0;
            for (int k = 0; k < words.Count; k++)
            {
                var (value, start, length) = words[k];
                sb.Append(text, at, start - at);
                if (redacted[k] == value) sb.Append(text, start, length);
                else if (length >= 2 && text[start] is '\'' or '"' && text[start + length - 1] == text[start])
                    sb.Append(text[start]).Append(text[start] == '"' ? DoubleQuoted(redacted[k]) : redacted[k].Replace("'", "'\\''")).Append(text[start]);
                else sb.Append(redacted[k]);
                at = start + length;
            }
            return sb.Append(text, at, text.Length - at).ToString();
        }

        private static string DoubleQuoted(string text)
        {
            var sb = new StringBuilder(text.Length);
            foreach (var c in text) sb.Append(c is '"' or '\\' or '$' or '`' ? "\\" + c : c);
            return sb.ToString();
        }

        /// <summary>A `--password-file`'s lines (and `name = value` values) are secrets too, should the check print them.</summary>
        private void HideFileContents(string path)
        {
            if (!readSecretFiles) return;
            try
            {
                if (Posix.Stat(path) is not { IsRegularFile: true, Size: <= 65536 }) return;
                foreach (var raw in File.ReadAllLines(path))
                {
                    var line = raw.Trim();
                    if (line.Length == 0 || line[0] is '#' or '[' or ';') continue;
                    int eq = line.IndexOfAny(['=', ':']);
                    Hide(eq > 0 && IsSecretName(line[..eq].Trim()) ? line[(eq + 1)..].Trim().Trim('"', '\'') : line);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Unreadable to us: the check cannot print what it could not read either, as the same user.
            }
        }
    }
}

/// <summary>An argv with its secrets replaced by ***, and the secrets, to scrub them out of text kept or shown.</summary>
public sealed class Redaction(IReadOnlyList<string> argv, IReadOnlyList<string> values)
{
    public IReadOnlyList<string> Argv { get; } = argv;
    public IReadOnlyList<string> Values { get; } = [.. values.Where(v => v.Length >= Secrets.MinScrubLength).OrderByDescending(v => v.Length)];

    public string Scrub(string text)
    {
        foreach (var value in Values) text = text.Replace(value, Secrets.Mask, StringComparison.Ordinal);
        return text;
    }

    /// <summary>Output bytes with every secret replaced (output that is not UTF-8 is compared byte by byte).</summary>
    public byte[] Scrub(byte[] output)
    {
        if (Values.Count == 0 || output.Length == 0) return output;
        var result = output;
        foreach (var value in Values)
        {
            var needle = Encoding.UTF8.GetBytes(value);
            if (result.AsSpan().IndexOf(needle) < 0) continue;
            var sb = new List<byte>(result.Length);
            var rest = result.AsSpan();
            int at;
            while ((at = rest.IndexOf(needle)) >= 0)
            {
                sb.AddRange(rest[..at]);
                sb.AddRange("***"u8);
                rest = rest[(at + needle.Length)..];
            }
            sb.AddRange(rest);
            result = [.. sb];
        }
        return result;
    }
}

/// <summary>Words of a POSIX shell command line, as sh would split them (quotes removed), with where each stands.</summary>
public static class ShellWords
{
    public readonly record struct Word(string Value, int Start, int Length);

    public static List<Word> Split(string text)
    {
        var words = new List<Word>();
        var current = new StringBuilder();
        int start = -1;
        void End(int at)
        {
            if (start >= 0) words.Add(new Word(current.ToString(), start, at - start));
            current.Clear();
            start = -1;
        }
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (char.IsWhiteSpace(c) || c is ';' or '|' or '&' or '(' or ')' or '<' or '>' or '`')
            {
                End(i);
                continue;
            }
            if (start < 0) start = i;
            if (c == '\'')
            {
                int close = text.IndexOf('\'', i + 1);
                if (close < 0) close = text.Length;
                current.Append(text, i + 1, Math.Max(0, close - i - 1));
                i = Math.Min(close, text.Length - 1);
            }
            else if (c == '"')
            {
                for (i++; i < text.Length && text[i] != '"'; i++)
                {
                    if (text[i] == '\\' && i + 1 < text.Length && text[i + 1] is '"' or '\\' or '$' or '`') i++;
                    current.Append(text[i]);
                }
            }
            else if (c == '\\' && i + 1 < text.Length) current.Append(text[++i]);
            else current.Append(c);
        }
        End(text.Length);
        return words;
    }
}
