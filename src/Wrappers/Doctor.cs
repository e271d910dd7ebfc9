using MetaCheck.Core;
using MetaCheck.State;

namespace MetaCheck.Wrappers;

/// <summary>
/// `metacheck doctor`: is the installation usable, and what to fix if not. It exits like a check
/// (0 all good, 1 something to look at, 2 something broken) so it can run as one.
/// </summary>
public static class Doctor
{
    public const string Name = "doctor";
    private const long LowDiskBytes = 100L * 1024 * 1024;

    private enum Verdict { Ok, Info, Warn, Fix }

    public static int Main(string[] args, IReadOnlyList<string> commandNames)
    {
        var stateDir = Opt.Text("--state-dir", "Check this store directory instead of the one the wrappers would choose.");
        var definition = Cli.Define(Dialect.GetoptLongStrict, Name, "Check the installation: command links, state directory and store, free disk, agent environment.", stateDir);
        return Cli.Run(definition, args, parsed =>
        {
            var findings = new List<(Verdict, string)>();
            Links(commandNames, findings);
            State(parsed.GetValue(stateDir), findings);
            Environment(findings);
            foreach (var (verdict, text) in findings)
                Console.WriteLine($"{verdict switch { Verdict.Ok => "ok  ", Verdict.Info => "info", Verdict.Warn => "WARN", _ => "FIX " }}  {text}");
            return findings.Any(f => f.Item1 == Verdict.Fix) ? 2 : findings.Any(f => f.Item1 == Verdict.Warn) ? 1 : 0;
        });
    }

    /// <summary>Each command name must resolve in PATH to this very binary.</summary>
    private static void Links(IReadOnlyList<string> names, List<(Verdict, string)> findings)
    {
        var self = System.Environment.ProcessPath is { } p ? Path.GetFullPath(p) : null;
        findings.Add((Verdict.Info, $"metacheck {typeof(Doctor).Assembly.GetName().Version?.ToString(3)} at {self}"));
        var missing = new List<string>();
        var foreign = new List<string>();
        foreach (var name in names)
        {
            try
            {
                var found = ExecutableResolver.Resolve(name, System.Environment.GetEnvironmentVariable("PATH"));
                if (self is not null && RealPath(found) != RealPath(self)) foreign.Add($"{name} ({found})");
            }
            catch (LaunchException)
            {
                missing.Add(name);
            }
        }
        if (missing.Count == 0 && foreign.Count == 0) findings.Add((Verdict.Ok, $"all {names.Count} command names resolve in PATH to this binary"));
        if (missing.Count > 0)
            findings.Add((Verdict.Fix, $"not in PATH: {string.Join(", ", missing)}; run 'make install PREFIX=...' or link them: ln -s metacheck <dir>/<name>"));
        if (foreign.Count > 0)
            findings.Add((Verdict.Warn, $"these names run another program first in PATH: {string.Join(", ", foreign)}"));
    }

    private static string RealPath(string path) => new FileInfo(path).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? Path.GetFullPath(path);

    private static void State(string? explicitDir, List<(Verdict, string)> findings)
    {
        string dir, source;
        try
        {
            (dir, source) = StateDirectory.Resolve(explicitDir, System.Environment.GetEnvironmentVariable, Posix.EffectiveUserId);
        }
        catch (StateUnavailableException e)
        {
            findings.Add((Verdict.Fix, e.Message));
            return;
        }
        var info = Posix.LStat(dir);
        if (info is null)
        {
            findings.Add((Verdict.Info, $"state directory {dir} ({source}) does not exist yet; the first wrapper run creates it 0700"));
            return;
        }
        var mode = Convert.ToString((int)info.Value.Mode, 8).PadLeft(4, '0');
        if (info.Value.IsSymlink || !info.Value.IsDirectory || info.Value.OwnerId != Posix.EffectiveUserId)
        {
            findings.Add((Verdict.Fix, $"state directory {dir} ({source}) is refused: " +
                (info.Value.IsSymlink ? "it is a symlink" : !info.Value.IsDirectory ? "not a directory" : $"owned by uid {info.Value.OwnerId}") +
                "; wrappers run without history until it is removed or --state-dir/METACHECK_STATE_DIR points elsewhere"));
            return;
        }
        findings.Add(((info.Value.Mode & (UnixFileMode)0x3F) == 0 ? Verdict.Ok : Verdict.Info,
            $"state directory {dir} ({source}): uid {info.Value.OwnerId}, mode {mode}" +
            ((info.Value.Mode & (UnixFileMode)0x3F) == 0 ? "" : " (the next run tightens it to 0700)")));

        var db = Path.Combine(dir, StateStore.FileName);
        if (File.Exists(db))
        {
            try
            {
                var store = StateStore.Inspect(db);
                findings.Add((store.QuickCheck == "ok" ? Verdict.Ok : Verdict.Fix,
                    $"store {db}: {store.Checks} checks, {store.Runs} runs, {store.Bytes / 1048576.0:0.0} MiB, quick_check {store.QuickCheck}" +
                    (store.QuickCheck == "ok" ? "" : "; the next wrapper run moves it aside and starts a new one")));
            }
            catch (StateUnavailableException e)
            {
                findings.Add((Verdict.Fix, e.Message));
            }
        }
        try
        {
            var free = new DriveInfo(dir).AvailableFreeSpace;
            findings.Add((free < LowDiskBytes ? Verdict.Warn : Verdict.Ok, $"free disk for {dir}: {free / 1073741824.0:0.0} GiB"));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            findings.Add((Verdict.Warn, $"cannot tell the free disk for {dir}: {e.Message}"));
        }
    }

    private static void Environment(List<(Verdict, string)> findings)
    {
        foreach (var name in new[] { StateDirectory.EnvVar, "MACKEREL_PLUGIN_WORKDIR", "METACHECK_KEEP_RUNS", "HOST_PROC", "HOST_SYS", "HOST_ETC", "TZ" })
        {
            if (System.Environment.GetEnvironmentVariable(name) is { Length: > 0 } value) findings.Add((Verdict.Info, $"{name}={value}"));
        }
        if (System.Environment.GetEnvironmentVariable("MACKEREL_AGENT_PLUGIN_META") is { Length: > 0 } meta && meta != "0")
            findings.Add((Verdict.Warn, "MACKEREL_AGENT_PLUGIN_META is set: metric plugins print graph definitions instead of values"));
    }
}
