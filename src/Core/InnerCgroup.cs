namespace MetaCheck.Core;

/// <summary>
/// A cgroup v2 of its own for a wrapper's inner command, where the kernel lets this process make one
/// (cgroup2 mounted, this process's cgroup writable: root, or a subtree delegated to the agent's
/// user; Linux 5.14 or later for cgroup.kill). Everything the command starts stays in it whatever it
/// does with sessions and process groups, so ending the command is one write of "1" to cgroup.kill,
/// which the kernel applies to every member at once, those forking meanwhile included: a process
/// that re-forks into a new session every millisecond cannot step aside, as it can from the /proc
/// sweep. Where no cgroup can be made, the runner works as before (process group and /proc sweep).
/// The cgroup has no controllers: it only groups, so it needs no limits set and changes no accounting.
/// </summary>
public sealed class InnerCgroup : IDisposable
{
    /// <summary>`METACHECK_CGROUP=1` turns it on for the wrappers (<see cref="RunSettings.OwnCgroup"/> says why it is not the default).</summary>
    public const string EnvVar = "METACHECK_CGROUP";
    private const string Prefix = "metacheck-";
    private readonly string _path;
    private readonly string _home;

    private InnerCgroup(string path, string home)
    {
        _path = path;
        _home = home;
    }

    /// <summary>A new, empty cgroup below this process's own, or null (no cgroup v2, not writable, no cgroup.kill).</summary>
    public static InnerCgroup? TryCreate() => TryCreate(out _);

    /// <summary>As <see cref="TryCreate()"/>; <paramref name="whyNot"/> says why there is none (doctor, tests).</summary>
    public static InnerCgroup? TryCreate(out string? whyNot)
    {
        try
        {
            if (OwnDirectory() is not { } home)
            {
                whyNot = "no cgroup v2 hierarchy (cgroup2 not mounted, or no 0:: line in /proc/self/cgroup)";
                return null;
            }
            RemoveLeftovers(home);
            var path = Path.Combine(home, $"{Prefix}{Environment.ProcessId}-{Environment.TickCount64:x}");
            Directory.CreateDirectory(path);
            whyNot = null;
            if (File.Exists(Path.Combine(path, "cgroup.kill"))) return new InnerCgroup(path, home);
            Directory.Delete(path);
            whyNot = "the kernel has no cgroup.kill (Linux before 5.14)";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Not ours to write (an agent without a delegated subtree): the process group and the /proc sweep remain.
            whyNot = $"this process's cgroup is not writable by its user (no delegated subtree): {e.GetType().Name}";
        }
        return null;
    }

    /// <summary>Whether the command started in the cgroup, and this process did not stay in it.</summary>
    public bool Holds { get; private set; }

    /// <summary>
    /// Starts the command inside: this process moves in, spawns (the child is born in the cgroup, before
    /// it can fork anything) and moves back. Moving the child in after its start lost the race to a
    /// shell's first fork on a loaded machine. Should this process fail to move back, the cgroup is
    /// not used (<see cref="Holds"/> false): it would be ended with it.
    /// </summary>
    public int Start(Func<int> spawn)
    {
        bool inside = MoveHere(_path);
        try
        {
            return spawn();
        }
        finally
        {
            Holds = inside && MoveHere(_home);
        }
    }

    private static bool MoveHere(string cgroup)
    {
        try
        {
            File.WriteAllText(Path.Combine(cgroup, "cgroup.procs"), Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>Sends <paramref name="signal"/> to every member; SIGKILL through cgroup.kill, which also catches members forking meanwhile.</summary>
    public void Signal(int signal)
    {
        try
        {
            if (signal == LibC.SigKill)
            {
                File.WriteAllText(Path.Combine(_path, "cgroup.kill"), "1");
                return;
            }
            foreach (var line in File.ReadAllLines(Path.Combine(_path, "cgroup.procs")))
                if (int.TryParse(line, out var member)) LibC.Kill(member, signal);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }

    /// <summary>Whether any process is still in the cgroup (cgroup.events says `populated 1`).</summary>
    public bool Populated
    {
        get
        {
            try
            {
                return File.ReadAllText(Path.Combine(_path, "cgroup.events")).Contains("populated 1", StringComparison.Ordinal);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return false;
            }
        }
    }

    /// <summary>Removes the cgroup if it is empty; one still in use (background processes of a normal run) is removed by a later run.</summary>
    public void Dispose()
    {
        try
        {
            Directory.Delete(_path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }

    /// <summary>This process's cgroup v2 directory: the cgroup2 mount (/proc/self/mountinfo) plus the `0::` path of /proc/self/cgroup.</summary>
    private static string? OwnDirectory()
    {
        string? relative = null;
        foreach (var line in File.ReadLines("/proc/self/cgroup"))
            if (line.StartsWith("0::", StringComparison.Ordinal)) relative = line[3..];
        if (relative is null) return null;
        foreach (var line in File.ReadLines("/proc/self/mountinfo"))
        {
            // ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTIONS
            int dash = line.IndexOf(" - ", StringComparison.Ordinal);
            if (dash < 0 || !line.AsSpan(dash + 3).StartsWith("cgroup2 ")) continue;
            var fields = line[..dash].Split(' ');
            if (fields.Length < 5 || fields[3] != "/") continue;
            return fields[4].Replace("\\040", " ") + (relative == "/" ? "" : relative);
        }
        return null;
    }

    /// <summary>Cgroups of earlier runs whose background processes have ended since: rmdir only succeeds on an empty one.</summary>
    private static void RemoveLeftovers(string home)
    {
        foreach (var dir in Directory.EnumerateDirectories(home, Prefix + "*"))
        {
            try
            {
                Directory.Delete(dir);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
            }
        }
    }
}
