namespace MetaCheck.State;

/// <summary>
/// Where a store lives and why; <see cref="SharedIn"/> marks the per-user directories under a shared,
/// sticky one, found by owner in that directory (the agent's work directory, or /var/tmp for a user
/// without a home). <see cref="Fallback"/> says why the preferred place was passed over (a wrapper says it on stderr).
/// </summary>
public sealed record StateLocation(string Path, string Source, string? SharedIn = null, string? Fallback = null)
{
    public void Deconstruct(out string path, out string source) => (path, source) = (Path, Source);
}

/// <summary>Where the per-user store lives, and the guarantee that only this user can write there.</summary>
public static class StateDirectory
{
    public const string EnvVar = "METACHECK_STATE_DIR";

    /// <summary>Under $MACKEREL_PLUGIN_WORKDIR: one sticky directory shared by all users, one 0700 directory per uid in it.</summary>
    public const string SharedDirName = "metacheck";

    private const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode AtMost755 = (UnixFileMode)0x1ed;
    private const UnixFileMode Sticky1777 = (UnixFileMode)0x3ff;
    private const UnixFileMode GroupOrOtherWrite = (UnixFileMode)0x12;
    private const UnixFileMode OtherWrite = UnixFileMode.OtherWrite;

    /// <summary>Returns the directory and the rule that chose it (shown by `metacheck doctor`/errors).</summary>
    public static StateLocation Resolve(string? explicitDir, Func<string, string?> env, uint euid, Func<uint, string?>? passwdHome = null)
    {
        if (!string.IsNullOrEmpty(explicitDir)) return new(Full(explicitDir), "--state-dir");
        if (env(EnvVar) is { Length: > 0 } fromEnv) return new(Full(fromEnv), EnvVar);
        // The agent's work directory is shared by every user its checks run as (`user = ...`), and
        // world-writable: each user gets its own directory in a sticky one, both found by owner (Shared).
        // A work directory whose path another user could change is passed over, visibly.
        string? passedOver = null;
        if (env("MACKEREL_PLUGIN_WORKDIR") is { Length: > 0 } workdir)
        {
            var full = Full(workdir);
            if (SharedPathProblem(full, euid) is not { } problem) return Shared(full, euid, "MACKEREL_PLUGIN_WORKDIR");
            passedOver = $"not using MACKEREL_PLUGIN_WORKDIR: {problem}";
        }
        var location = DefaultFor(env, euid, passwdHome);
        return passedOver is null ? location : location with
        {
            Source = $"{location.Source}; {passedOver}",
            Fallback = location.Fallback is null ? $"{passedOver}; history is kept in {location.Path}" : $"{passedOver}; {location.Fallback}",
        };
    }

    /// <summary>The per-user directory in the shared one under <paramref name="parent"/>, as far as it exists (made by <see cref="EnsurePrivate(StateLocation)"/>).</summary>
    private static StateLocation Shared(string parent, uint euid, string source)
    {
        var shared = OwnDirectory(parent, SharedDirName, owner => owner == 0 || owner == euid, null);
        var mine = shared is null ? null : OwnDirectory(shared, euid.ToString(), owner => owner == euid, null);
        if (mine is not null) return new(mine, source, SharedIn: parent);
        var primary = System.IO.Path.Combine(parent, SharedDirName);
        var taken = shared is null && Posix.LStat(primary) is { } other
            ? $" ({primary} belongs to uid {other.OwnerId}: the first run makes a directory of its own beside it)" : "";
        return new(System.IO.Path.Combine(shared ?? primary, euid.ToString()), source + taken, SharedIn: parent);
    }

    /// <summary>The user's own store when neither an option, METACHECK_STATE_DIR nor the agent's work directory decides.</summary>
    private static StateLocation DefaultFor(Func<string, string?> env, uint euid, Func<uint, string?>? passwdHome)
    {
        if (euid == 0) return new("/var/lib/metacheck", "default for root");
        // The XDG spec: a relative path is invalid and must be ignored.
        if (env("XDG_STATE_HOME") is { Length: > 0 } xdg && System.IO.Path.IsPathRooted(xdg))
            return new(System.IO.Path.Combine(Full(xdg), "metacheck"), "XDG_STATE_HOME");
        string? notHome = null;
        if (env("HOME") is { Length: > 0 } home && System.IO.Path.IsPathRooted(home))
        {
            if (OwnHome(home, euid) is not { } why) return new(System.IO.Path.Combine(home, ".local", "state", "metacheck"), "default (~/.local/state)");
            notHome = $"HOME={home} {why}";
        }
        var passwd = (passwdHome ?? Posix.HomeDirectory)(euid);
        if (passwd is null || !System.IO.Path.IsPathRooted(passwd))
            throw new StateUnavailableException(
                $"no state directory: {notHome ?? "HOME is not set"} and uid {euid} has no home directory in passwd; set METACHECK_STATE_DIR or pass --state-dir");
        var passwdProblem = OwnHome(passwd, euid);
        if (passwdProblem is null)
            return new(System.IO.Path.Combine(passwd, ".local", "state", "metacheck"),
                notHome is null ? "HOME unset: home directory from passwd" : $"{notHome}: home directory from passwd");
        // No home of its own (a daemon user's /nonexistent, or an agent's HOME=/root kept for another user):
        // a directory of its own in /var/tmp, found by owner as in an agent's work directory.
        var why2 = $"{notHome ?? "HOME is not set"} and the passwd home {passwd} {passwdProblem}";
        var fallback = Shared(NoHomeParent, euid, $"no home of its own ({why2})");
        return fallback with { Fallback = $"no home of its own ({why2}); history is kept in {fallback.Path}" };
    }

    /// <summary>Where users without a home of their own keep their store (in a per-user directory under it, as in an agent's work directory).</summary>
    public const string NoHomeParent = "/var/tmp";

    /// <summary>Why <paramref name="home"/> cannot hold this user's store (not there, someone else's), or null.</summary>
    private static string? OwnHome(string home, uint euid)
    {
        try
        {
            if (Posix.LStat(home) is not { } info) return "does not exist";
            if (info.IsSymlink) return Directory.Exists(home) ? null : "is a dangling symlink";
            if (!info.IsDirectory) return "is not a directory";
            return info.OwnerId == euid ? null : $"belongs to uid {info.OwnerId}";
        }
        catch (IOException e)
        {
            return $"cannot be looked at ({e.Message})";
        }
    }

    /// <summary>
    /// Why another user could change the path to <paramref name="dir"/> and so move a store under it
    /// away, or null: every existing component, from /, must belong to root or to <paramref name="euid"/>,
    /// and one that others may write must be sticky (as /tmp). The directory itself may lack the sticky
    /// bit when it is ours: the first run adds it (<see cref="EnsurePrivate(StateLocation)"/>).
    /// </summary>
    public static string? SharedPathProblem(string dir, uint euid, int depth = 0)
    {
        var parts = dir.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var path = "/";
        for (int i = -1; i < parts.Length; i++)
        {
            if (i >= 0) path = System.IO.Path.Combine(path, parts[i]);
            Posix.PathInfo? found;
            try { found = Posix.LStat(path); }
            catch (IOException e) { return $"{path} cannot be looked at ({e.Message})"; }
            if (found is not { } info) return null; // made by the first run, 0755 at most
            if (info.OwnerId != 0 && info.OwnerId != euid)
                return $"{path} belongs to uid {info.OwnerId}, who could move the store away; fix: chown root {path}, or set {EnvVar}";
            if (info.IsSymlink)
            {
                if (depth > 8 || new DirectoryInfo(path).ResolveLinkTarget(returnFinalTarget: true) is not { } target) return $"{path} is a symlink that leads nowhere";
                return SharedPathProblem(System.IO.Path.Combine([target.FullName, .. parts[(i + 1)..]]), euid, depth + 1);
            }
            bool othersWrite = (info.Mode & GroupOrOtherWrite) != 0, sticky = (info.Mode & UnixFileMode.StickyBit) != 0;
            if (othersWrite && !sticky && !(i == parts.Length - 1 && info.OwnerId == euid))
                return $"{path} is writable by other users without the sticky bit, so they could move the store away; fix: chmod +t {path} (as uid {info.OwnerId}), or set {EnvVar}";
        }
        return null;
    }

    private static string Full(string path) => System.IO.Path.GetFullPath(path);

    /// <summary>
    /// Creates the directory 0700, or accepts an existing one only if it is a real directory (not a
    /// symlink) owned by us; group/other permissions are removed. A directory someone else owns is
    /// refused, and so is one whose parent anyone may write without the sticky bit (they could move
    /// ours away and put theirs in its place). Missing parents are created 0755 at most, whatever the umask.
    /// </summary>
    public static string EnsurePrivate(StateLocation location)
    {
        if (location.SharedIn is { } sharedIn) return EnsureShared(sharedIn);
        var path = location.Path;
        var parent = System.IO.Path.GetDirectoryName(path);
        if (!string.IsNullOrEmpty(parent))
        {
            CreateMissing(parent);
            CheckParent(path, parent);
        }
        var info = Posix.LStat(path);
        if (info is null)
        {
            MakeDirectory(path, Private);
            info = Posix.LStat(path) ?? throw new StateUnavailableException($"state directory {path} vanished after creation");
        }
        Validate(path, info.Value, expectDirectory: true);
        if ((info.Value.Mode & (UnixFileMode)0x3F) != 0) File.SetUnixFileMode(path, Private);
        return path;
    }

    public static void EnsurePrivate(string path) => EnsurePrivate(new StateLocation(path, "--state-dir"));

    /// <summary>Each missing ancestor, top down, 0755 (the umask can only take permissions away).</summary>
    private static void CreateMissing(string dir)
    {
        if (Posix.LStat(dir) is not null) return;
        var parent = System.IO.Path.GetDirectoryName(dir);
        if (!string.IsNullOrEmpty(parent)) CreateMissing(parent);
        MakeDirectory(dir, AtMost755);
    }

    private static void MakeDirectory(string dir, UnixFileMode mode)
    {
        try
        {
            Directory.CreateDirectory(dir, mode);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new StateUnavailableException($"cannot create state directory {dir}: {IoError.Reason(e)}", e);
        }
    }

    /// <summary>
    /// This user's directory in the shared one under <paramref name="parent"/>, made if need be: the shared
    /// directory sticky 1777 like /tmp, owned by root or by us; ours 0700. Both are found by owner, so a
    /// name another user took first is passed over for one of our own beside it, never fought over.
    /// </summary>
    private static string EnsureShared(string parent)
    {
        uint me = Posix.EffectiveUserId;
        CreateMissing(parent);
        // Ours (the agent's work directory, when the agent runs as root): sticky from now on, so no other user can move what is in it.
        if (Posix.LStat(parent) is { IsSymlink: false } p && p.OwnerId == me && (p.Mode & GroupOrOtherWrite) != 0 && (p.Mode & UnixFileMode.StickyBit) == 0)
            File.SetUnixFileMode(parent, p.Mode | UnixFileMode.StickyBit);
        if (SharedPathProblem(parent, me) is { } problem) throw new StateUnavailableException($"not using {parent}: {problem}");
        var shared = OwnDirectory(parent, SharedDirName, owner => owner == 0 || owner == me, Sticky1777)!;
        if (Posix.LStat(shared) is { } s && s.OwnerId == me && s.Mode != Sticky1777)
            File.SetUnixFileMode(shared, Sticky1777); // also turns a 0700 store of an older metacheck into the shared directory
        var existing = OwnDirectory(shared, me.ToString(), owner => owner == me, null);
        var mine = existing ?? OwnDirectory(shared, me.ToString(), owner => owner == me, Private)!;
        if (existing is null) AdoptOlderStore(shared, mine);
        if (Posix.LStat(mine) is { } m && (m.Mode & (UnixFileMode)0x3F) != 0) File.SetUnixFileMode(mine, Private);
        return mine;
    }

    /// <summary>
    /// The directory <paramref name="name"/> in <paramref name="parent"/> if an accepted user owns it (a real
    /// directory, not a symlink), else the first <paramref name="name"/>.* that is; with <paramref name="create"/>
    /// one is made when there is none: <paramref name="name"/>, or <paramref name="name"/>.random when another
    /// user holds that name. Null without <paramref name="create"/> when there is none yet.
    /// </summary>
    private static string? OwnDirectory(string parent, string name, Func<uint, bool> accepted, UnixFileMode? create)
    {
        var primary = System.IO.Path.Combine(parent, name);
        if (Accepted(primary, accepted)) return primary;
        if (FirstAlternative(parent, name, accepted) is { } alternative) return alternative;
        if (create is not { } mode) return null;
        if (Posix.LStat(primary) is null)
        {
            MakeDirectory(primary, mode);
            if (Accepted(primary, accepted)) return primary;
        }
        var mine = System.IO.Path.Combine(parent, $"{name}.{Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(6))}");
        MakeDirectory(mine, mode);
        // Two runs that each made one agree on the first; the other stays empty.
        return FirstAlternative(parent, name, accepted) ?? mine;
    }

    /// <summary>
    /// Every per-user directory under the shared <paramref name="parent"/> (an agent's work directory,
    /// /var/tmp) that a user's own runs could have picked (see <see cref="EnsureShared"/>): in `metacheck`
    /// or `metacheck.*` owned by root or by that user, the directory named after its uid, or `uid.*` when
    /// another user took the name, owned by that uid. For root's commands that cover every user.
    /// </summary>
    public static IEnumerable<(uint Uid, string Path)> PerUserDirectories(string parent)
    {
        foreach (var shared in Entries(parent, SharedDirName))
        {
            if (Posix.LStat(shared) is not { IsDirectory: true, IsSymlink: false } info) continue;
            foreach (var dir in Entries(shared, null))
            {
                var name = System.IO.Path.GetFileName(dir);
                int dot = name.IndexOf('.');
                if (!uint.TryParse(dot < 0 ? name : name[..dot], System.Globalization.NumberStyles.None, null, out var uid)) continue;
                if ((info.OwnerId == 0 || info.OwnerId == uid) && Accepted(dir, owner => owner == uid)) yield return (uid, dir);
            }
        }
    }

    /// <summary><paramref name="name"/> and `name.*` in <paramref name="dir"/> (every entry when null), in ordinal order; none when unreadable.</summary>
    private static string[] Entries(string dir, string? name)
    {
        string[] found;
        try
        {
            found = name is null ? Directory.GetFileSystemEntries(dir)
                : [.. Directory.GetFileSystemEntries(dir, name + ".*", new EnumerationOptions { MatchType = MatchType.Simple })
                    .Prepend(System.IO.Path.Combine(dir, name)).Distinct()];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
        Array.Sort(found, StringComparer.Ordinal);
        return found;
    }

    private static bool Accepted(string path, Func<uint, bool> accepted) =>
        Posix.LStat(path) is { IsDirectory: true, IsSymlink: false } info && accepted(info.OwnerId);

    private static string? FirstAlternative(string parent, string name, Func<uint, bool> accepted)
    {
        var primary = System.IO.Path.Combine(parent, name);
        foreach (var candidate in Entries(parent, name))
        {
            if (candidate != primary && Accepted(candidate, accepted)) return candidate;
        }
        return null;
    }

    /// <summary>
    /// Before per-user directories, an older metacheck kept its store right in $MACKEREL_PLUGIN_WORKDIR/metacheck:
    /// the user that owns it (root, normally) carries it over into its new directory.
    /// </summary>
    private static void AdoptOlderStore(string shared, string mine)
    {
        var older = System.IO.Path.Combine(shared, StateStore.FileName);
        if (Posix.LStat(older) is not { IsRegularFile: true } info || info.OwnerId != Posix.EffectiveUserId) return;
        foreach (var suffix in new[] { "", "-wal", "-shm" })
        {
            if (File.Exists(older + suffix)) File.Move(older + suffix, System.IO.Path.Combine(mine, StateStore.FileName + suffix));
        }
    }

    private static void CheckParent(string path, string parent)
    {
        if (ParentProblem(path, parent) is { } problem) throw new StateUnavailableException(problem);
    }

    /// <summary>Why a state directory's parent makes it unsafe (anyone may replace it), or null.</summary>
    public static string? ParentProblem(string path, string? parent = null)
    {
        parent ??= System.IO.Path.GetDirectoryName(path);
        if (string.IsNullOrEmpty(parent) || Posix.LStat(parent) is not { } p) return null;
        bool sticky = (p.Mode & UnixFileMode.StickyBit) != 0;
        uint me = Posix.EffectiveUserId;
        if ((p.Mode & OtherWrite) != 0 && !sticky)
            return $"refusing state directory {path}: its parent {parent} is writable by everyone without the sticky bit, so anyone could move it away and put their own in its place; choose another with --state-dir";
        if ((p.Mode & GroupOrOtherWrite) != 0 && p.OwnerId != 0 && p.OwnerId != me)
            return $"refusing state directory {path}: its parent {parent} is writable by others and owned by uid {p.OwnerId}; choose another with --state-dir";
        return null;
    }

    /// <summary>Same rule for a file inside the directory (the database and its WAL companions).</summary>
    public static void EnsurePrivateFile(string path, bool create = true)
    {
        var info = Posix.LStat(path);
        if (info is null)
        {
            if (!create) return;
            try
            {
                using var _ = new FileStream(path, new FileStreamOptions
                {
                    Mode = FileMode.CreateNew, Access = FileAccess.Write,
                    UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
                });
            }
            catch (IOException) when (File.Exists(path)) { /* another process created it first */ }
            info = Posix.LStat(path);
            if (info is null) throw new StateUnavailableException($"state file {path} vanished after creation");
        }
        Validate(path, info.Value, expectDirectory: false);
        // Others' access removed; the owner's read and write restored (SQLite opens a 0400 file read-only, and every run failed open on it).
        const UnixFileMode ReadWrite = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        if ((info.Value.Mode & (UnixFileMode)0x3F) != 0 || (info.Value.Mode & ReadWrite) != ReadWrite)
            File.SetUnixFileMode(path, ReadWrite);
    }

    private static void Validate(string path, Posix.PathInfo info, bool expectDirectory)
    {
        var what = expectDirectory ? "state directory" : "state file";
        if (info.IsSymlink)
            throw new StateUnavailableException($"refusing {what} {path}: it is a symlink; remove it or choose another with --state-dir");
        if (expectDirectory ? !info.IsDirectory : !info.IsRegularFile)
            throw new StateUnavailableException($"refusing {what} {path}: not a {(expectDirectory ? "directory" : "regular file")}");
        uint me = Posix.EffectiveUserId;
        if (info.OwnerId != me)
            throw new StateUnavailableException(
                $"refusing {what} {path}: owned by uid {info.OwnerId}, not by uid {me}; remove it or choose another with --state-dir");
    }

    /// <summary>
    /// For the read-only commands: the store file of <paramref name="dir"/> if it can be opened without
    /// blocking (a regular file; a FIFO would hang the open), whoever owns it. Null when there is none yet.
    /// </summary>
    public static string? ExistingStoreFile(string dir)
    {
        var dirInfo = Posix.LStat(dir);
        if (dirInfo is null) return null;
        if (!dirInfo.Value.IsDirectory && !(dirInfo.Value.IsSymlink && Directory.Exists(dir)))
            throw new StateUnavailableException($"state directory {dir} is not a directory");
        var file = System.IO.Path.Combine(dir, StateStore.FileName);
        var info = Posix.LStat(file);
        if (info is null) return null;
        // The descriptor, not the path, is what is checked: opened without following a link and without
        // waiting for a writer, it is a FIFO put in place of a regular file after the lstat too.
        if (!info.Value.IsRegularFile || Posix.OpenedType(file) is { } opened && opened != Posix.FileType.Regular)
            throw new StateUnavailableException($"state store {file} is not a regular file ({(info.Value.IsDirectory ? "a directory" : info.Value.IsSymlink ? "a symlink" : "a FIFO, socket or device")}); wrappers run without history until it is removed");
        return file;
    }
}
