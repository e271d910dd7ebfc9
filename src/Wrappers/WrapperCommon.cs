using System.CommandLine;
using MetaCheck.Core;
using MetaCheck.State;
using NodaTime;

namespace MetaCheck.Wrappers;

/// <summary>What a wrapper needs from the outside world; tests substitute any of it.</summary>
public sealed record WrapperEnvironment(
    IClock Clock,
    ICommandRunner Runner,
    Func<string, string?> GetEnv,
    Stream Stdout,
    TextWriter Stderr)
{
    public static WrapperEnvironment System() => new(
        UtcClock.Instance, ProcessRunner.Instance, Environment.GetEnvironmentVariable,
        StandardStream.Stdout, Console.Error);
}

/// <summary>The options every wrapper has, and their parsed values.</summary>
public sealed class CommonOptions
{
    public readonly Option<TimeSpan?> Timeout = Opt.Duration("--timeout",
        $"Kill the inner command (its whole process group) after this many seconds and report --timeout-status; 0: no limit (default: {DefaultTimeoutSeconds}, which ends before mackerel-agent's 30 s and Icinga's or Nagios's 60 s kill the wrapper).",
        TimeSpan.FromDays(1), "-t");
    public readonly Option<Status> TimeoutStatus = Opt.StatusOption("--timeout-status",
        "Status reported when --timeout fires.", Status.Unknown);
    public readonly Option<string?> StateDir = Opt.Text("--state-dir",
        $"Directory of the run-history store (default: ${StateDirectory.EnvVar}, $MACKEREL_PLUGIN_WORKDIR/metacheck/<uid>, /var/lib/metacheck (root) or ~/.local/state/metacheck).");
    public readonly Option<Status?> NoHistory = Opt.OptionalStatusOption("--no-history",
        "Status to report when the run-history store cannot be used, e.g. UNKNOWN (default: the check's own result, with a line saying history is off).");
    public readonly Option<int?> KeepRuns = Opt.OptionalInt("--keep-runs",
        $"Runs kept per check in the history (default: {StateStore.DefaultKeepRuns}, or $METACHECK_KEEP_RUNS).", 1, 10_000_000);

    public Option[] All => [Timeout, TimeoutStatus, StateDir, KeepRuns, NoHistory];

    /// <summary>
    /// The inner command's limit without --timeout: a hung check must end in a result the wrapper reports
    /// (and delay-checker counts) before the agent's own timeout kills the wrapper and shows its own error.
    /// </summary>
    public const int DefaultTimeoutSeconds = 25;

    /// <summary>--timeout as given (0: no limit), else the default.</summary>
    public TimeSpan? InnerTimeout(ParseResult parsed) => parsed.GetValue(Timeout) switch
    {
        null => TimeSpan.FromSeconds(DefaultTimeoutSeconds),
        { } given when given == TimeSpan.Zero => null,
        var given => given,
    };
}

/// <summary>How the inner command ended, already turned into a status and the bytes to report.</summary>
public sealed record InnerOutcome(RunOutcome Kind, int Status, byte[] Output, int? ExitCode, long StartedAtMs, long DurationMs)
{
    public long FinishedAtMs => StartedAtMs + DurationMs;

    /// <summary>Launch failures and interruptions say nothing about the checked service.</summary>
    public bool CountsForHealth => Kind is RunOutcome.Ran or RunOutcome.TimedOut;

    public bool? Failed => CountsForHealth ? Status != 0 : null;

    public RunRecord ToRecord() => new(StartedAtMs, DurationMs, ExitCode, Status, Kind, Output);

    /// <summary>A run reported as it is: the failure streak follows the result.</summary>
    public CheckUpdate ToUpdate(CheckState state) =>
        new(ToRecord(), Failed, Failed switch { true => state.Streak + 1, false => 0, null => state.Streak }, false);

    /// <summary>A run in which the inner command did not run (replayed, skipped): history only.</summary>
    public static CheckUpdate NotRun(CheckState state, long atMs, int status, RunOutcome kind, byte[] output) =>
        new(new RunRecord(atMs, 0, null, status, kind, output), null, state.Streak, state.Alerting);
}

/// <summary>One wrapper invocation: the store (opened lazily, fail open) and the inner run.</summary>
public sealed partial class WrapperRun : IDisposable
{
    private readonly string _wrapper;
    private readonly WrapperEnvironment _env;
    private readonly string? _stateDir;
    private readonly int _keepRuns;
    private readonly RunSettings _settings;
    private readonly Status _timeoutStatus;
    private readonly Status? _noHistory;
    private readonly TimeSpan? _forgetAfter;
    private StateStore? _store;
    private bool _storeFailed;
    private string? _storeProblem;

    public WrapperRun(string wrapper, ParseResult parsed, CommonOptions common, WrapperEnvironment env)
    {
        _wrapper = wrapper;
        _env = env;
        _stateDir = parsed.GetValue(common.StateDir);
        _keepRuns = parsed.GetValue(common.KeepRuns) ?? KeepRunsFromEnv(env);
        _settings = new RunSettings
        {
            Timeout = common.InnerTimeout(parsed), ForwardTerminationSignals = true, OwnCgroup = env.GetEnv(InnerCgroup.EnvVar) == "1",
        };
        _timeoutStatus = parsed.GetValue(common.TimeoutStatus);
        _noHistory = parsed.GetValue(common.NoHistory);
        _forgetAfter = ForgetAfterFromEnv(env);
    }

    /// <summary>$METACHECK_FORGET_AFTER: how long a check may go unrun before it is forgotten (90d, 12h, seconds); 0 or never: kept.</summary>
    private static TimeSpan? ForgetAfterFromEnv(WrapperEnvironment env)
    {
        var text = env.GetEnv("METACHECK_FORGET_AFTER");
        if (string.IsNullOrEmpty(text)) return StateStore.DefaultForgetAfter;
        if (text is "0" or "never") return null;
        return Opt.TryParseDuration(text, out var span) && span > TimeSpan.Zero ? span
            : throw new UsageException($"METACHECK_FORGET_AFTER takes a duration (90d, 12h, seconds) or never, got '{Opt.Shorten(text)}'");
    }

    private static int KeepRunsFromEnv(WrapperEnvironment env)
    {
        var text = env.GetEnv("METACHECK_KEEP_RUNS");
        if (string.IsNullOrEmpty(text)) return StateStore.DefaultKeepRuns;
        return int.TryParse(text, out var n) && n >= 1 ? n
            : throw new UsageException($"METACHECK_KEEP_RUNS must be a whole number of at least 1, got '{Opt.Shorten(text)}'");
    }

    public WrapperEnvironment Env => _env;
    public int KeepRuns => _keepRuns;

    /// <summary>Runs <paramref name="use"/> against the store; on any store failure says so on stderr and returns the fallback.</summary>
    public T WithStore<T>(Func<StateStore, T> use, T fallback)
    {
        const string without = "reporting the check's own result without history";
        if (_storeFailed) return fallback;
        if (_store is null)
        {
            _store = StateStore.TryOpenForUser(_stateDir, _env.GetEnv, _keepRuns, _env.Stderr, _wrapper, without, out _storeProblem);
            if (_store is null)
            {
                _storeFailed = true;
                return fallback;
            }
            _store.ForgetAfter = _forgetAfter;
        }
        try
        {
            var result = use(_store);
            _store.FlushNotices(_env.Stderr, _wrapper);
            return result;
        }
        catch (Exception e) when (StateStore.IsUnusable(e))
        {
            _storeFailed = true;
            _storeProblem = e.Message.TrimEnd('.');
            _env.Stderr.WriteLine($"metacheck: {_wrapper}: {_storeProblem}; {without}");
            return fallback;
        }
    }

    public void Dispose() => _store?.Dispose();

    /// <summary>
    /// Runs the inner command. SIGTERM/SIGINT/SIGHUP/SIGQUIT to the wrapper (an agent's own timeout)
    /// are passed to the inner process group, which is then killed, instead of orphaning it.
    /// </summary>
    public InnerOutcome RunInner(IReadOnlyList<string> argv)
    {
        long startedAt = _env.Clock.GetCurrentInstant().ToUnixTimeMilliseconds();
        ProcessResult result;
        try
        {
            var command = InnerCommand.FromArgv(argv, _env.GetEnv("PATH"));
            result = _env.Runner.Run(command, _settings);
        }
        catch (LaunchException e)
        {
            return new InnerOutcome(RunOutcome.LaunchFailed, 3, Line($"UNKNOWN: {e.Message}"), null, startedAt, 0);
        }

        // Only the messages of a run that did not end normally name the command: redact it for them alone.
        string Display() => ShellQuote.Join(Secrets.Redact(argv));
        if (result.Truncated)
            _env.Stderr.WriteLine($"metacheck: {_wrapper}: output of {Display()} cut at {RunSettings.DefaultMaxOutput} bytes");
        if (result.Interrupted)
            return new InnerOutcome(RunOutcome.Interrupted, 3,
                Join(result.Stdout, $"UNKNOWN: {_wrapper} was interrupted ({SignalName(result.InterruptSignal)}); killed {Display()}"),
                null, result.StartedAtMs, result.DurationMs);
        if (result.TimedOut)
        {
            var word = StatusNames.Word(_timeoutStatus);
            return new InnerOutcome(RunOutcome.TimedOut, (int)_timeoutStatus,
                Join(result.Stdout, $"{word}: {Display()} timed out after {_settings.Timeout!.Value.TotalSeconds:0.###} s and was killed"),
                null, result.StartedAtMs, result.DurationMs);
        }
        // Only a death the wait status reports is a signal; `exit 130` is an exit code like any other.
        if (result.Signal is { } sig)
            return new InnerOutcome(RunOutcome.Ran, 3, Join(result.Stdout, $"UNKNOWN: {Display()} was killed by {SignalName(sig)}"),
                result.ExitCode, result.StartedAtMs, result.DurationMs);
        if (result.ExitCode < 0)
            return new InnerOutcome(RunOutcome.Ran, 3, Join(result.Stdout, $"UNKNOWN: the exit status of {Display()} was lost (another process reaped it)"),
                null, result.StartedAtMs, result.DurationMs);
        return new InnerOutcome(RunOutcome.Ran, StatusNames.Normalize(result.ExitCode), result.Stdout,
            result.ExitCode, result.StartedAtMs, result.DurationMs);
    }

    /// <summary>
    /// Writes the result. Without a usable store the operator must see it where they look, not only in
    /// the agent's log: a line after the first says so (Nagios shows it as long output, Mackerel in
    /// the message), or with --no-history the chosen status is reported instead.
    /// </summary>
    public int Report(byte[] output, int exitCode)
    {
        if (_storeProblem is { } problem)
        {
            if (_noHistory is { } status)
            {
                output = [.. Line($"{StatusNames.Word(status)}: {_wrapper}: no run history ({problem}); the check said:"), .. output];
                exitCode = (int)status;
            }
            else
            {
                output = InsertNote(output, $"{_wrapper}: no run history ({problem}); reporting the check's own result");
            }
        }
        _env.Stdout.Write(output);
        _env.Stdout.Flush();
        return exitCode;
    }

    /// <summary>
    /// <paramref name="note"/> as the second line: the first line stays the check's own (Nagios shows the
    /// rest as long output, Mackerel in the message).
    /// </summary>
    public static byte[] InsertNote(byte[] output, string note)
    {
        var line = Line(note);
        int firstLine = Array.IndexOf(output, (byte)'\n');
        return firstLine < 0
            ? [.. output, .. output.Length > 0 ? "\n"u8.ToArray() : [], .. line]
            : [.. output.AsSpan(0, firstLine + 1), .. line, .. output.AsSpan(firstLine + 1)];
    }

    public static byte[] Line(string text) => System.Text.Encoding.UTF8.GetBytes(text + "\n");

    /// <summary>The inner output, then our note on a line of its own.</summary>
    private static byte[] Join(byte[] output, string note)
    {
        if (output.Length == 0) return Line(note);
        var text = output.AsSpan();
        var needsNewline = text[^1] != (byte)'\n';
        return [.. output, .. needsNewline ? "\n"u8.ToArray() : [], .. Line(note)];
    }

    private static string SignalName(int? signal) => signal switch
    {
        1 => "SIGHUP", 2 => "SIGINT", 3 => "SIGQUIT", 4 => "SIGILL", 6 => "SIGABRT", 7 => "SIGBUS", 8 => "SIGFPE",
        9 => "SIGKILL", 10 => "SIGUSR1", 11 => "SIGSEGV", 12 => "SIGUSR2", 13 => "SIGPIPE", 14 => "SIGALRM", 15 => "SIGTERM",
        24 => "SIGXCPU", 25 => "SIGXFSZ",
        null => "a signal",
        _ => $"signal {signal}",
    };
}
