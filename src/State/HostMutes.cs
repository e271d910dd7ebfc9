using System.Text;

namespace MetaCheck.State;

/// <summary>
/// Host-wide mutes: set by root (`metacheck mute` without --state-dir), read by the wrappers of every
/// user. They live in one small text file that only root can write: a directory and a file owned by
/// root and writable by nobody else. A file that anyone else could have written is not trusted: its
/// mutes are ignored, with a line on stderr, so no user can mute another user's checks.
/// </summary>
public static class HostMutes
{
    public const string DefaultPath = "/var/lib/metacheck-host/mutes";
    public const string EnvVar = "METACHECK_HOST_MUTES";
    private const string Header = "# metacheck host-wide mutes, written by 'metacheck mute' run as root: from-ms, until-ms, checks, reason";
    private static readonly TimeSpan LockWait = TimeSpan.FromSeconds(5);

    /// <summary>$METACHECK_HOST_MUTES (another place, for tests or an unusual layout), else <see cref="DefaultPath"/>.</summary>
    public static string PathFrom(Func<string, string?> env) => env(EnvVar) is { Length: > 0 } path ? path : DefaultPath;

    /// <summary>
    /// The host-wide mutes not yet over at <paramref name="nowMs"/> (pending ones included), from the file
    /// <paramref name="env"/> names. None when the file does not exist; a file that exists and was not
    /// read (untrusted, unreadable) is said on <paramref name="err"/> as <paramref name="who"/>'s.
    /// </summary>
    public static IReadOnlyList<Mute> Read(Func<string, string?> env, long nowMs, TextWriter err, string who)
    {
        var mutes = Read(PathFrom(env), nowMs, out var problem);
        if (problem is not null) err.WriteLine($"metacheck: {who}: {problem}");
        return mutes;
    }

    private static IReadOnlyList<Mute> Read(string path, long nowMs, out string? problem)
    {
        problem = null;
        try
        {
            if (Untrusted(path) is { } why)
            {
                problem = why;
                return [];
            }
            if (!File.Exists(path)) return [];
            return [.. Parse(File.ReadAllLines(path)).Where(m => m.UntilMs > nowMs)];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            problem = $"cannot read the host-wide mutes in {path}: {IoError.Reason(e)}";
            return [];
        }
    }

    /// <summary>
    /// Adds a mute (replacing one that names the same checks), dropping those that are over; root only.
    /// The file is replaced whole (a new file renamed over it), so a reader sees the old list or the new.
    /// </summary>
    public static void Add(string path, Mute mute, long nowMs) =>
        Change(path, mutes => [.. mutes.Where(m => m.UntilMs > nowMs && m.HostMatch != mute.HostMatch), mute]);

    /// <summary>Lifts the mutes naming <paramref name="match"/> (null: every one); returns those that were not over.</summary>
    public static IReadOnlyList<Mute> Remove(string path, string? match, long nowMs)
    {
        IReadOnlyList<Mute> removed = [];
        Change(path, mutes =>
        {
            var live = mutes.Where(m => m.UntilMs > nowMs).ToList();
            removed = [.. live.Where(m => match is null || m.HostMatch == match)];
            return [.. live.Except(removed)];
        });
        return removed;
    }

    private static void Change(string path, Func<IReadOnlyList<Mute>, IReadOnlyList<Mute>> change)
    {
        if (Posix.EffectiveUserId != 0) throw new StateUnavailableException("only root can set host-wide mutes");
        var dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        if (!Directory.Exists(dir))
        {
            Directory.CreateDirectory(dir);
            File.SetUnixFileMode(dir, (UnixFileMode)0x1ed); // 0755: every user's wrappers read the file
        }
        if (Untrusted(path) is { } why) throw new StateUnavailableException(why);
        using var held = Lock(Path.Combine(dir, Path.GetFileName(path) + ".lock"));
        var mutes = File.Exists(path) ? Parse(File.ReadAllLines(path)) : [];
        var text = new StringBuilder(Header).Append('\n');
        foreach (var m in change(mutes))
            text.Append($"{m.FromMs}\t{m.UntilMs}\t{OneField(m.HostMatch ?? "")}\t{OneField(m.Reason)}\n");
        AtomicFile.Write(path, Encoding.UTF8.GetBytes(text.ToString()), (UnixFileMode)0x1a4); // 0644: every user's wrappers read it
    }

    /// <summary>One writer at a time: an exclusive lock file, waited for at most <see cref="LockWait"/>.</summary>
    private static FileStream Lock(string path)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (waited.Elapsed < LockWait)
            {
                Thread.Sleep(20);
            }
        }
    }

    /// <summary>Why the file (or its directory) may have been written by someone other than root; null when it may not.</summary>
    private static string? Untrusted(string path)
    {
        var full = Path.GetFullPath(path);
        foreach (var (p, isDir) in new[] { (Path.GetDirectoryName(full)!, true), (full, false) })
        {
            if (Posix.LStat(p) is not { } info) continue;
            bool wrongType = isDir ? !info.IsDirectory : !info.IsRegularFile;
            if (wrongType || info.OwnerId != 0 || (info.Mode & (UnixFileMode.GroupWrite | UnixFileMode.OtherWrite)) != 0)
                return $"host-wide mutes in {full} ignored: {p} must be a {(isDir ? "directory" : "regular file")} owned by root and writable by nobody else";
        }
        return null;
    }

    private static List<Mute> Parse(IEnumerable<string> lines)
    {
        var mutes = new List<Mute>();
        foreach (var line in lines)
        {
            if (line.StartsWith('#')) continue;
            var f = line.Split('\t');
            if (f.Length == 4 && long.TryParse(f[0], out var from) && long.TryParse(f[1], out var until))
                mutes.Add(new Mute(Mute.AllChecks, until, f[3], from, HostMatch: f[2]));
        }
        return mutes;
    }

    private static string OneField(string text) => text.Replace('\t', ' ').Replace('\n', ' ').Replace('\r', ' ');
}
