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
            try
            {
                State(parsed.GetValue(stateDir), findings);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                findings.Add((Verdict.Fix, $"cannot look at the state directory: {IoError.Reason(e)}"));
            }
            AgentStores(findings);
            Environment(findings);
            foreach (var (verdict, text) in findings)
                Console.WriteLine($"{verdict switch { Verdict.Ok => "ok  ", Verdict.Info => "info", Verdict.Warn => "WARN", _ => "FIX " }}  {Terminal.Printable(text)}");
            return findings.Any(f => f.Item1 == Verdict.Fix) ? 2 : findings.Any(f => f.Item1 == Verdict.Warn) ? 1 : 0;
        });
    }

    /// <summary>
    /// Every command must be a link to this binary in the plugin directory (PREFIX/lib/metacheck/bin);
    /// the names installed beside the binary (the wrappers) must also resolve in PATH to it. A plugin
    /// name that runs another package's program in PATH (Mackerel's check-tcp) is as intended. A
    /// wrapper's name may lead to the wrappers' own binary instead, as `make install` links it.
    /// </summary>
    private static void Links(IReadOnlyList<string> names, List<(Verdict, string)> findings)
    {
        var self = System.Environment.ProcessPath is { } p ? Path.GetFullPath(p) : null;
        findings.Add((Verdict.Info, $"metacheck {BuildInfo.Version} at {self}"));
        if (self is null) return;
        var binDir = Path.GetDirectoryName(self)!;
        var pluginDir = Path.GetFullPath(Path.Combine(binDir, "..", "lib", "metacheck", "bin"));
        var wrappersBinary = Path.Combine(pluginDir, "..", WrapperCommands.Binary);
        bool Ours(string path, string name) =>
            IsThisBinary(path, self) || (WrapperCommands.All.Any(c => c.IsNamed(name)) && IsThisBinary(path, wrappersBinary));

        var unlinked = names.Where(n => !Ours(Path.Combine(pluginDir, n), n)).ToList();
        findings.Add(unlinked.Count == 0
            ? (Verdict.Ok, $"all {names.Count} commands are linked in {pluginDir}")
            : (Verdict.Fix, $"not linked to this binary in {pluginDir}: {string.Join(", ", unlinked)}; run 'make install PREFIX=...' again or reinstall the package"));

        // Ours beside the binary are the names linked to it there; another package's program of the same
        // name in that directory (mackerel-check-plugins' /usr/bin/check-tcp beside /usr/bin/metacheck) is not.
        var besideBinary = names.Where(n => Ours(Path.Combine(binDir, n), n)).ToList();
        var missing = new List<string>();
        var foreign = new List<string>();
        var elsewhere = new List<string>();
        foreach (var name in names)
        {
            string? found = null;
            try { found = ExecutableResolver.Resolve(name, System.Environment.GetEnvironmentVariable("PATH")); }
            catch (LaunchException) { }
            bool ours = found is not null && Ours(found, name);
            if (besideBinary.Contains(name))
            {
                if (found is null) missing.Add(name);
                else if (!ours) foreign.Add($"{name} ({found})");
            }
            else if (found is not null && !ours) elsewhere.Add($"{name} ({found})");
        }
        if (besideBinary.Count > 0 && missing.Count == 0 && foreign.Count == 0)
            findings.Add((Verdict.Ok, $"{string.Join(", ", besideBinary)}: command names resolve in PATH to this binary"));
        if (missing.Count > 0)
            findings.Add((Verdict.Fix, $"not in PATH: {string.Join(", ", missing)}; run 'make install PREFIX=...' or add {binDir} to PATH"));
        if (foreign.Count > 0)
            findings.Add((Verdict.Warn, $"these names run another program first in PATH: {string.Join(", ", foreign)}"));
        if (elsewhere.Count > 0)
            findings.Add((Verdict.Info, $"in PATH these names are another package's; ours are in {pluginDir}: {string.Join(", ", elsewhere)}"));
    }

    /// <summary>
    /// The same file, by device and inode: a path compared as text differs when PATH reaches the binary
    /// through a symlinked directory (merged /usr: /bin/delay-checker is /usr/bin/metacheck).
    /// </summary>
    private static bool IsThisBinary(string path, string self)
    {
        try
        {
            return Posix.Stat(path) is { } file && Posix.Stat(self) is { } me && file.Device == me.Device && file.Inode == me.Inode;
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static void State(string? explicitDir, List<(Verdict, string)> findings)
    {
        string dir, source;
        try
        {
            var location = StateDirectory.Resolve(explicitDir, System.Environment.GetEnvironmentVariable, Posix.EffectiveUserId);
            (dir, source) = location;
            // Where the wrappers would have kept history but cannot safely: they keep it here instead and say so on stderr.
            if (location.Fallback is { } fallback) findings.Add((Verdict.Warn, fallback));
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
        uint me = Posix.EffectiveUserId;
        bool someoneElses = info.Value.IsDirectory && !info.Value.IsSymlink && info.Value.OwnerId != me;
        if (info.Value.IsSymlink || !info.Value.IsDirectory || (someoneElses && me != 0))
        {
            findings.Add((Verdict.Fix, $"state directory {dir} ({source}) is refused: " +
                (info.Value.IsSymlink ? "it is a symlink" : !info.Value.IsDirectory ? "not a directory" : $"owned by uid {info.Value.OwnerId}") +
                "; wrappers run without history until it is removed or --state-dir/METACHECK_STATE_DIR points elsewhere"));
            return;
        }
        if (StateDirectory.ParentProblem(dir) is { } parentProblem)
        {
            findings.Add((Verdict.Fix, parentProblem));
            return;
        }
        if (someoneElses)
            findings.Add((Verdict.Info, $"state directory {dir} ({source}) belongs to uid {info.Value.OwnerId}, mode {mode}: looked at read-only, as status and history do"));
        else
            findings.Add(((info.Value.Mode & (UnixFileMode)0x3F) == 0 ? Verdict.Ok : Verdict.Info,
                $"state directory {dir} ({source}): uid {info.Value.OwnerId}, mode {mode}" +
                ((info.Value.Mode & (UnixFileMode)0x3F) == 0 ? "" : " (the next run tightens it to 0700)")));

        try
        {
            // Only a regular file is opened: a FIFO in its place would block the open for ever.
            if (StateDirectory.ExistingStoreFile(dir) is { } db)
            {
                var store = StateStore.Inspect(db);
                if (store.Foreign is { } foreign)
                {
                    findings.Add((Verdict.Fix, $"store {db} {foreign}; wrappers run without history until then"));
                    return;
                }
                if (Posix.LStat(db) is { } file && file.OwnerId == me && (file.Mode & (UnixFileMode)0x180) != (UnixFileMode)0x180)
                    findings.Add((Verdict.Info, $"store {db} is mode {Convert.ToString((int)file.Mode, 8).PadLeft(4, '0')}, not writable by its owner: the next wrapper run makes it 0600"));
                findings.Add((store.QuickCheck == "ok" ? Verdict.Ok : Verdict.Fix,
                    $"store {db}: {store.Checks} checks, {store.Runs} runs, {store.Bytes / 1048576.0:0.0} MiB, quick_check {store.QuickCheck}" +
                    (store.QuickCheck == "ok" ? "" : "; the next wrapper run moves it aside and starts a new one")));
            }
        }
        catch (StateUnavailableException e)
        {
            findings.Add((Verdict.Fix, e.Message));
        }
        try
        {
            var free = new DriveInfo(dir).AvailableFreeSpace;
            findings.Add((free < LowDiskBytes ? Verdict.Warn : Verdict.Ok, $"free disk for {dir}: {free / 1073741824.0:0.0} GiB"));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            findings.Add((Verdict.Warn, $"cannot tell the free disk for {dir}: {IoError.Reason(e)}"));
        }
    }

    /// <summary>
    /// The stores of the users agents run checks as, and which setup uses each: where to look
    /// (read-only, with status --state-dir) when an agent's checks seem to have no history.
    /// </summary>
    private static void AgentStores(List<(Verdict, string)> findings)
    {
        var workdir = HostStores.AgentWorkdir(System.Environment.GetEnvironmentVariable);
        foreach (var (user, setup) in HostStores.AgentUsers)
        {
            if (Posix.User(user) is not { } account) continue;
            string home, perUser;
            string? fallback;
            try
            {
                home = StateDirectory.Resolve(null, _ => null, account.Uid, _ => account.Home).Path;
                // As a wrapper of that user would choose it: a work directory it could lose is passed over.
                var agent = StateDirectory.Resolve(null, name => name == "MACKEREL_PLUGIN_WORKDIR" ? workdir : null, account.Uid, _ => account.Home);
                (perUser, fallback) = (agent.Path, agent.Fallback);
            }
            catch (StateUnavailableException e)
            {
                findings.Add((Verdict.Warn, $"store of {user} (uid {account.Uid}): {e.Message}"));
                continue;
            }
            findings.Add((Verdict.Info, $"store of {user} (uid {account.Uid}) for {setup}: {home} ({Describe(home)}); " +
                $"for mackerel-agent checks with user = \"{user}\": {perUser} ({Describe(perUser)})"));
            if (fallback is not null) findings.Add((Verdict.Warn, $"mackerel-agent checks with user = \"{user}\": {fallback}"));
        }
    }

    private static string Describe(string dir)
    {
        try
        {
            if (StateDirectory.ExistingStoreFile(dir) is not { } db) return "none yet";
            var store = StateStore.Inspect(db);
            return $"{store.Checks} checks, {store.Runs} runs";
        }
        catch (StateUnavailableException e)
        {
            return e.Message;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return IoError.Reason(e);
        }
    }

    private static void Environment(List<(Verdict, string)> findings)
    {
        foreach (var name in new[] { StateDirectory.EnvVar, "MACKEREL_PLUGIN_WORKDIR", "METACHECK_KEEP_RUNS", "HOST_PROC", "HOST_SYS", "HOST_ETC", "TZ" })
        {
            if (System.Environment.GetEnvironmentVariable(name) is { Length: > 0 } value) findings.Add((Verdict.Info, $"{name}={value}"));
        }
        // Set at all, even to 0: the go-mackerel-plugin ports, as their originals, test only that it is non-empty.
        if (System.Environment.GetEnvironmentVariable("MACKEREL_AGENT_PLUGIN_META") is { Length: > 0 })
            findings.Add((Verdict.Warn, "MACKEREL_AGENT_PLUGIN_META is set: metric plugins print graph definitions instead of values"));
    }
}
