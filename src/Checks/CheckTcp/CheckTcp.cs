using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Security.Authentication;
using System.Text;
using System.Text.RegularExpressions;
using MetaCheck.Checks.Framework;
using MetaCheck.Core;

namespace MetaCheck.Checks.CheckTcp;

/// <summary>A protocol preset chosen with --service; explicit options win over its values.</summary>
public sealed record ServicePreset(int Port, string? Send, string ExpectPattern, string? Quit, bool Ssl);

/// <summary>Everything one probe needs, after presets, escapes and the quit CRLF were applied.</summary>
public sealed record TcpSettings
{
    public string Name { get; init; } = "TCP";
    public string Hostname { get; init; } = "";
    public int Port { get; init; }
    public string? UnixSocket { get; init; }
    public string Send { get; init; } = "";
    public Regex? Expect { get; init; }
    public string Quit { get; init; } = "";
    public bool Ssl { get; init; }
    public bool NoCheckCertificate { get; init; }
    /// <summary>Null: no time limit (-t 0).</summary>
    public TimeSpan? Timeout { get; init; } = TimeSpan.FromSeconds(10);
    public int MaxBytes { get; init; }
    public TimeSpan Delay { get; init; }
    /// <summary>Null: off (not given, or a plain 0 as in the original).</summary>
    public ThresholdRange? Warning { get; init; }
    public ThresholdRange? Critical { get; init; }
    public bool ErrorWarning { get; init; }
    public bool ExpectClosed { get; init; }
    public bool NoResponseTimeOnSuccess { get; init; }
    public IReadOnlyDictionary<Status, Status> StatusAs { get; init; } = new Dictionary<Status, Status>();
    /// <summary>-v: report each step (connect, TLS, send, response, comparison) after the first line.</summary>
    public bool Verbose { get; init; }
}

/// <summary>A network step failed (connect, TLS, write, read): CRITICAL, or WARNING with -W.</summary>
public sealed class ProbeException(string message) : Exception(message)
{
    /// <summary>Set by <see cref="TcpProbe.ConnectTcp"/>: the name lookup failed, or the step ran out of time.</summary>
    public bool Resolving { get; init; }
    public bool TimedOut { get; init; }
    /// <summary>How long the name lookup took when it finished before the failure (null: it did not).</summary>
    public TimeSpan? DnsTime { get; init; }
}

/// <summary>
/// Mackerel's check-tcp: connect to a TCP port or Unix socket (optionally over TLS), optionally send a
/// string, match the answer against a regex, send a quit string, and grade the response time.
/// </summary>
public static class CheckTcp
{
    public const string Name = "check-tcp";

    /// <summary>go-flags' read buffer when -m is not given.</summary>
    public const int DefaultReadChunk = 32 * 1024;

    public const int MaxBytesLimit = 64 * 1024 * 1024;

    public static IReadOnlyDictionary<string, ServicePreset> Services { get; } = new Dictionary<string, ServicePreset>(StringComparer.Ordinal)
    {
        ["FTP"] = new(21, null, @"^220", "QUIT", false),
        ["POP"] = new(110, null, @"^\+OK", "QUIT", false),
        ["SPOP"] = new(995, null, @"^\+OK", "QUIT", true),
        ["IMAP"] = new(143, null, @"^\* OK", "a1 LOGOUT", false),
        ["SIMAP"] = new(993, null, @"^\* OK", "a1 LOGOUT", true),
        ["SMTP"] = new(25, null, @"^220", "QUIT", false),
        ["SSMTP"] = new(465, null, @"^220", "QUIT", true),
        ["GEARMAN"] = new(7003, "version\n", @"\A[0-9]+\.[0-9]+\n\z", null, false),
    };

    public static int Main(string[] args) => Main(args, PluginContext.System());

    public static int Main(string[] args, PluginContext context)
    {
        var service = new Option<string?>("--service") { Description = "Preset: FTP, POP, SPOP, IMAP, SIMAP, SMTP, SSMTP or GEARMAN (any case).", HelpName = string.Join('|', Services.Keys) };
        var hostname = new Option<string?>("-H", "--hostname") { Description = "Host name or IP address (IPv6 literals as is: -H ::1) (default: the local host).", HelpName = "host" };
        var port = Opt.OptionalInt("-p", "Port number.", 1, 65535, "--port");
        var send = new Option<string?>("-s", "--send") { Description = "String to send after connecting (nothing is appended).", HelpName = "string" };
        var expect = new Option<string?>("-e", "--expect-pattern") { Description = "Regular expression the response must match.", HelpName = "regex" };
        var quit = new Option<string?>("-q", "--quit") { Description = "String sent before closing; CRLF is appended unless -E.", HelpName = "string" };
        var ssl = Opt.Flag("-S", "Use TLS.", "--ssl");
        var noCheck = Opt.Flag("--no-check-certificate", "With TLS, accept any server certificate.");
        var unixSock = new Option<string?>("-U", "--unix-sock") { Description = "Connect to this Unix domain socket instead of TCP.", HelpName = "path" };
        var timeout = Seconds("-t", "Seconds allowed for connecting (with TLS handshake), for each write and for reading (0 = no limit).", 10, "--timeout");
        var maxBytes = Opt.OptionalInt("-m", "Read at most this many bytes of the response.", 0, MaxBytesLimit, "--maxbytes");
        var delay = Seconds("-d", "Seconds to wait before connecting (counted in the response time).", 0, "--delay");
        var warning = Opt.Threshold("-w", "WARNING when the response time is greater than this many seconds (0 = off), or a range.", PlainSeconds, ThresholdRange.Above, null, "--warning");
        var critical = Opt.Threshold("-c", "CRITICAL when the response time is greater than this many seconds (0 = off), or a range.", PlainSeconds, ThresholdRange.Above, null, "--critical");
        var verbose = Opt.Verbose();
        var escape = Opt.Flag("-E", @"Interpret \n, \r, \t and \\ in the send and quit strings; no CRLF is appended to quit.", "--escape");
        var errorWarning = Opt.Flag("-W", "Connection, I/O and response failures are WARNING instead of CRITICAL.", "--error-warning");
        var expectClosed = Opt.Flag("-C", "Expect the port to be closed: OK when the connection fails, otherwise CRITICAL (WARNING with -W).", "--expect-closed");
        var noResTime = Opt.Flag("--no-restime-success-msg", "On OK, say 'Response time faster than <threshold> seconds' instead of the measured time.");
        var statusAs = new Option<string?>("--status-as") { Description = "Remap the final status, e.g. warning=critical,unknown=ok.", HelpName = "from=to,..." };
        var definition = Cli.Define(Dialect.GoFlags, Name,
            "Check a TCP port or Unix socket: connect, optionally send, expect and quit, and grade the response time. Example: check-tcp -H db1 -p 3306 -w 1 -c 3",
            service, hostname, port, send, expect, quit, ssl, noCheck, unixSock, timeout, maxBytes, delay, warning, critical,
            escape, errorWarning, expectClosed, noResTime, statusAs, verbose);
        return Plugin.Check(definition, args, context, parsed =>
        {
            var settings = Prepare(new RawOptions
            {
                Service = parsed.GetValue(service),
                Hostname = parsed.GetValue(hostname),
                Port = parsed.GetValue(port),
                Send = parsed.GetValue(send),
                ExpectPattern = parsed.GetValue(expect),
                Quit = parsed.GetValue(quit),
                Ssl = parsed.GetValue(ssl),
                NoCheckCertificate = parsed.GetValue(noCheck),
                UnixSocket = parsed.GetValue(unixSock),
                Timeout = parsed.GetValue(timeout) ?? 10,
                MaxBytes = parsed.GetValue(maxBytes) ?? 0,
                Delay = parsed.GetValue(delay) ?? 0,
                Warning = parsed.GetValue(warning),
                Critical = parsed.GetValue(critical),
                Escape = parsed.GetValue(escape),
                ErrorWarning = parsed.GetValue(errorWarning),
                ExpectClosed = parsed.GetValue(expectClosed),
                NoResponseTimeOnSuccess = parsed.GetValue(noResTime),
                StatusAs = parsed.GetValue(statusAs),
                Verbose = parsed.GetValue(verbose) > 0,
            });
            return Run(settings);
        });
    }

    /// <summary>The options as given on the command line (before presets and escapes).</summary>
    public sealed record RawOptions
    {
        public string? Service { get; init; }
        public string? Hostname { get; init; }
        public int? Port { get; init; }
        public string? Send { get; init; }
        public string? ExpectPattern { get; init; }
        public string? Quit { get; init; }
        public bool Ssl { get; init; }
        public bool NoCheckCertificate { get; init; }
        public string? UnixSocket { get; init; }
        public double Timeout { get; init; } = 10;
        public int MaxBytes { get; init; }
        public double Delay { get; init; }
        public ThresholdRange? Warning { get; init; }
        public ThresholdRange? Critical { get; init; }
        public bool Escape { get; init; }
        public bool ErrorWarning { get; init; }
        public bool ExpectClosed { get; init; }
        public bool NoResponseTimeOnSuccess { get; init; }
        public string? StatusAs { get; init; }
        public bool Verbose { get; init; }
    }

    /// <summary>
    /// Applies the --service preset (empty options take its values), then -E or the quit CRLF, then
    /// compiles the pattern. A bad service, pattern or mapping, or no port, is a usage error.
    /// </summary>
    public static TcpSettings Prepare(RawOptions o)
    {
        string name = "TCP";
        int port = o.Port ?? 0;
        string send = o.Send ?? "", pattern = o.ExpectPattern ?? "", quit = o.Quit ?? "";
        bool ssl = o.Ssl;
        if (!string.IsNullOrEmpty(o.Service))
        {
            name = o.Service.ToUpperInvariant();
            if (!Services.TryGetValue(name, out var preset))
                throw new UsageException($"unknown service '{o.Service}' (known: {string.Join(", ", Services.Keys)})");
            if (port == 0) port = preset.Port;
            if (send.Length == 0) send = preset.Send ?? "";
            if (pattern.Length == 0) pattern = preset.ExpectPattern;
            if (quit.Length == 0) quit = preset.Quit ?? "";
            ssl |= preset.Ssl;
        }
        var unix = string.IsNullOrEmpty(o.UnixSocket) ? null : o.UnixSocket;
        if (unix is null && port == 0) throw new UsageException("give -p PORT, --service NAME or -U SOCKET");
        if (o.Escape)
        {
            send = Unescape(send);
            quit = Unescape(quit);
        }
        else if (quit.Length > 0)
        {
            quit += "\r\n";
        }
        return new TcpSettings
        {
            Name = name,
            Hostname = o.Hostname ?? "",
            Port = port,
            UnixSocket = unix,
            Send = send,
            Expect = pattern.Length == 0 ? null : CompileExpect(pattern),
            Quit = quit,
            Ssl = ssl,
            NoCheckCertificate = o.NoCheckCertificate,
            Timeout = o.Timeout > 0 ? TimeSpan.FromSeconds(o.Timeout) : null,
            MaxBytes = o.MaxBytes,
            Delay = TimeSpan.FromSeconds(o.Delay),
            Warning = ThresholdRange.ZeroIsOff(o.Warning),
            Critical = ThresholdRange.ZeroIsOff(o.Critical),
            ErrorWarning = o.ErrorWarning,
            ExpectClosed = o.ExpectClosed,
            NoResponseTimeOnSuccess = o.NoResponseTimeOnSuccess,
            StatusAs = ParseStatusAs(o.StatusAs ?? ""),
            Verbose = o.Verbose,
        };
    }

    /// <summary>
    /// The expect pattern, matched in linear time as Go's RE2 does (no backtracking blow-ups on hostile
    /// banners). RE2's `(?P&lt;name&gt;` group syntax is accepted.
    /// </summary>
    public static Regex CompileExpect(string pattern)
    {
        try
        {
            return new Regex(pattern.Replace("(?P<", "(?<", StringComparison.Ordinal),
                RegexOptions.NonBacktracking | RegexOptions.CultureInvariant);
        }
        catch (RegexParseException e)
        {
            throw new UsageException($"-e: invalid regular expression '{Opt.Shorten(pattern)}': {Words(e.Error.ToString())} at offset {e.Offset}");
        }
        catch (NotSupportedException)
        {
            throw new UsageException($"-e: '{Opt.Shorten(pattern)}' uses backreferences, lookaround or other constructs RE2 (and this check) do not support");
        }
    }

    /// <summary>`InsufficientClosingParentheses` → `insufficient closing parentheses` (AOT builds carry no message texts).</summary>
    private static string Words(string identifier)
    {
        var sb = new StringBuilder();
        foreach (char c in identifier)
        {
            if (char.IsUpper(c) && sb.Length > 0) sb.Append(' ');
            sb.Append(char.ToLowerInvariant(c));
        }
        return sb.ToString();
    }

    /// <summary>-E: `\n`, `\r`, `\t` and `\\` become the characters; any other backslash pair is kept as is.</summary>
    public static string Unescape(string text)
    {
        var sb = new StringBuilder(text.Length);
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c != '\\' || i + 1 >= text.Length)
            {
                sb.Append(c);
                continue;
            }
            char next = text[++i];
            sb.Append(next switch
            {
                'n' => "\n",
                'r' => "\r",
                't' => "\t",
                '\\' => "\\",
                _ => "\\" + next,
            });
        }
        return sb.ToString();
    }

    /// <summary>`warning=critical,unknown=ok`: names in any case; a status mapped twice is an error; "" = none.</summary>
    public static IReadOnlyDictionary<Status, Status> ParseStatusAs(string text)
    {
        var map = new Dictionary<Status, Status>();
        if (text.Length == 0) return map;
        foreach (var pair in text.Split(','))
        {
            var parts = pair.Split('=');
            if (parts.Length != 2 || !TryStatusName(parts[0], out var from) || !TryStatusName(parts[1], out var to))
                throw new UsageException($"--status-as takes from=to pairs of ok, warning, critical, unknown separated by commas, got '{Opt.Shorten(pair)}'");
            if (!map.TryAdd(from, to))
                throw new UsageException($"--status-as maps {StatusNames.Word(from).ToLowerInvariant()} twice");
        }
        return map;
    }

    private static bool TryStatusName(string text, out Status status)
    {
        status = text.Trim().ToUpperInvariant() switch
        {
            "OK" => Status.Ok,
            "WARNING" => Status.Warning,
            "CRITICAL" => Status.Critical,
            "UNKNOWN" => Status.Unknown,
            _ => (Status)(-1),
        };
        return (int)status >= 0;
    }

    /// <summary>What one probe found: the status and message, the response time when one was measured, and -v's steps.</summary>
    private sealed record Outcome(Status Status, string Message, double? Elapsed = null);

    /// <summary>Runs the probe and turns its outcome into the checkers line (after --status-as).</summary>
    public static CheckResult Run(TcpSettings s)
    {
        var steps = s.Verbose ? new List<string>() : null;
        Outcome outcome;
        try
        {
            outcome = Probe(s, steps);
        }
        catch (Exception e) when (e is not UsageException)
        {
            // A failure of the runtime itself (no IPv6 stack, no OpenSSL, ...): never a stack trace.
            outcome = new(Status.Unknown, $"internal error: {e.GetType().Name}");
        }
        var status = s.StatusAs.TryGetValue(outcome.Status, out var mapped) ? mapped : outcome.Status;
        // The message quotes the peer's bytes: one line (its line end dropped), no escape sequence reaches whoever reads it.
        return CheckResult.Checkers(status, Terminal.Printable(outcome.Message.TrimEnd('\r', '\n')), s.Name) with
        {
            Perfdata = outcome.Elapsed is { } elapsed ? [Time(s, elapsed)] : [],
            Details = steps ?? [],
        };
    }

    /// <summary>
    /// The response time as Debian's check_tcp reports it (`time=0.017870s;;;0;10`): seconds, the applied
    /// thresholds, 0 to the time limit (none with -t 0).
    /// </summary>
    public static PerfValue Time(TcpSettings s, double elapsed) =>
        new("time", elapsed, "s", s.Warning, s.Critical, 0, s.Timeout?.TotalSeconds);

    private static Outcome Probe(TcpSettings s, List<string>? steps)
    {
        var failure = s.ErrorWarning ? Status.Warning : Status.Critical;
        if (s.Ssl) FirstUse.Tls(TcpProbe.TlsName(s), SslProtocols.None);
        var clock = Stopwatch.StartNew();
        if (s.Delay > TimeSpan.Zero) Thread.Sleep(s.Delay);
        Stream stream;
        try
        {
            var started = clock.Elapsed;
            stream = TcpProbe.Connect(s, out var peer);
            steps?.Add($"connected to {peer} in {DetailText.Seconds(clock.Elapsed - started)}{(s.Ssl ? $" ({Terminal.Printable(TcpTls.Summary(stream))})" : "")}");
        }
        catch (ProbeException e)
        {
            return s.ExpectClosed ? new(Status.Ok, ClosedMessage(s)) : new(failure, e.Message);
        }
        using (stream)
        {
            if (s.ExpectClosed) return new(failure, OpenMessage(s));
            try
            {
                string response = "";
                if (s.Send.Length > 0)
                {
                    TcpProbe.Write(stream, s.Send, s);
                    steps?.Add($"sent {Terminal.Printable(s.Send)}");
                }
                if (s.Expect is not null)
                {
                    response = TcpProbe.Slurp(stream, s);
                    bool matched = s.Expect.IsMatch(response);
                    steps?.Add($"received {Terminal.Printable(response)}");
                    steps?.Add($"{(matched ? "matches" : "does not match")} {Terminal.Printable(s.Expect.ToString())}");
                    if (!matched) return new(failure, "Unexpected response from host/socket: " + response, clock.Elapsed.TotalSeconds);
                }
                if (s.Quit.Length > 0)
                {
                    TcpProbe.Write(stream, s.Quit, s);
                    steps?.Add($"sent {Terminal.Printable(s.Quit)}");
                }
                double elapsed = clock.Elapsed.TotalSeconds;
                steps?.Add(Compared(s, elapsed));
                var (status, message) = Grade(s, elapsed, response);
                return new(status, message, elapsed);
            }
            catch (ProbeException e)
            {
                return new(failure, e.Message);
            }
        }
    }

    /// <summary>-v: the measured time and what it was held against, in the words of each threshold's kind.</summary>
    public static string Compared(TcpSettings s, double elapsed)
    {
        static string Rule(ThresholdRange? t) => t switch
        {
            null => "off",
            { Plain: { } plain } => $"greater than {ThresholdRange.Number(plain)} s",
            _ => t.Where,
        };
        return $"response time {ThresholdRange.Number(elapsed)} s; WARNING if {Rule(s.Warning)}, CRITICAL if {Rule(s.Critical)}";
    }

    /// <summary>
    /// A plain threshold is strict (greater than) and 0 disables it, as in the original; a range alerts as the
    /// guidelines say and the message names it. Critical wins.
    /// </summary>
    public static (Status, string) Grade(TcpSettings s, double elapsed, string response)
    {
        var (status, applied) = ThresholdRange.Grade(elapsed, s.Warning, s.Critical);
        var msg = new StringBuilder();
        if (s.NoResponseTimeOnSuccess && status == Status.Ok)
        {
            if ((s.Warning ?? s.Critical) is { } threshold)
                msg.Append(threshold.Plain is { } plain
                    ? $"Response time faster than {plain.ToString(CultureInfo.InvariantCulture)} seconds on"
                    : $"Response time not {threshold.Where} seconds on");
        }
        else
        {
            msg.Append(NumberFormat.Fixed(elapsed, 3)).Append(" seconds response time");
            if (applied is { Plain: null }) msg.Append(" is ").Append(applied.Where);
            msg.Append(" on");
        }
        if (s.Hostname.Length > 0) msg.Append(' ').Append(s.Hostname);
        if (s.Port > 0) msg.Append(" port ").Append(s.Port.ToString(CultureInfo.InvariantCulture));
        if (response.Length > 0) msg.Append(" [").Append(response.Trim('\r', '\n')).Append(']');
        return (status, msg.ToString());
    }

    // The original's words, letter for letter: alert rules match them.
    public static string ClosedMessage(TcpSettings s) => s.UnixSocket is { } path
        ? $"Verified that the unixsock is closed. (sock={path})"
        : $"Verified that the port is closed. (port={s.Port})";

    public static string OpenMessage(TcpSettings s) => s.UnixSocket is { } path
        ? $"Unexpectedly open unixsock. (sock={path})"
        : $"Unexpectedly open port. (port={s.Port})";

    /// <summary>-t, -d, and -w/-c as plain numbers: a non-negative decimal number of seconds, as the original's float64.</summary>
    private static readonly PlainNumber PlainSeconds = new("a number of seconds from 0 to 1000000 (10, 0.5, 1e0)", text =>
        Opt.TryParseGoFloat(text, out var value) && value is >= 0 and <= 1e6 ? value : null);

    /// <summary>Seconds as a non-negative decimal number (`10`, `0.5`); null when not given.</summary>
    private static Option<double?> Seconds(string name, string description, double defaultValue, params string[] aliases) =>
        Opt.Number(name, defaultValue > 0 ? $"{description[..^1]} (default: {defaultValue})." : description, PlainSeconds, "seconds", aliases);
}
