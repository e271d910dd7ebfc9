namespace MetaCheck.State;

/// <summary>Where a store lives and why; <see cref="SharedParent"/> marks the per-user directories under a shared, sticky one.</summary>
public sealed record StateLocation(string Path, string Source, bool SharedParent = false)
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
        // world-writable without the sticky bit: each user gets its own directory in a sticky one.
        // The first user to run makes that directory; if another user (not root) made it, its owner could
        // move our store away, so ours goes where it would go without the agent, and doctor says why.
        string? notShared = null;
        if (env("MACKEREL_PLUGIN_WORKDIR") is { Length: > 0 } workdir)
        {
            var shared = System.IO.Path.Combine(Full(workdir), SharedDirName);
            if (Posix.LStat(shared) is not { } info || info.OwnerId == 0 || info.OwnerId == euid)
                return new(System.IO.Path.Combine(shared, euid.ToString()), "MACKEREL_PLUGIN_WORKDIR", SharedParent: true);
            notShared = $" ({shared} belongs to uid {info.OwnerId})";
        }
        var location = DefaultFor(env, euid, passwdHome);
        return notShared is null ? location : location with { Source = location.Source + notShared };
    }

    /// <summary>The user's own store when neither an option, METACHECK_STATE_DIR nor the agent's work directory decides.</summary>
    private static StateLocation DefaultFor(Func<string, string?> env, uint euid, Func<uint, string?>? passwdHome)
    {
        if (euid == 0) return new("/var/lib/metacheck", "default for root");
        // The XDG spec: a relative path is invalid and must be ignored.
        if (env("XDG_STATE_HOME") is { Length: > 0 } xdg && System.IO.Path.IsPathRooted(xdg))
            return new(System.IO.Path.Combine(Full(xdg), "metacheck"), "XDG_STATE_HOME");
        if (env("HOME") is { Length: > 0 } home && System.IO.Path.IsPathRooted(home))
            return new(System.IO.Path.Combine(home, ".local", "state", "metacheck"), "default (~/.local/state)");
        var passwd = (passwdHome ?? Posix.HomeDirectory)(euid);
        if (passwd is null || !System.IO.Path.IsPathRooted(passwd))
            throw new StateUnavailableException(
                $"no state directory: HOME is not set and uid {euid} has no home directory in passwd; set METACHECK_STATE_DIR or pass --state-dir");
        return new(System.IO.Path.Combine(passwd, ".local", "state", "metacheck"), "HOME unset: home directory from passwd");
    }

    private static string Full(string path) => System.IO.Path.GetFullPath(path);

    /// <summary>
    /// Creates the directory 0700, or accepts an existing one only if it is a real directory (not a
    /// symlink) owned by us; group/other permissions are removed. A directory someone else owns is
    /// refused, and so is one whose parent anyone may write without the sticky bit (they could move
    /// ours away and put theirs in its place). Missing parents are created 0755 at most, whatever the umask.
    /// </summary>
    public static void EnsurePrivate(StateLocation location)
    {
        var path = location.Path;
        var parent = System.IO.Path.GetDirectoryName(path);
        if (!string.IsNullOrEmpty(parent))
        {
            if (location.SharedParent) EnsureShared(parent);
            else CreateMissing(parent);
            CheckParent(path, parent);
        }
        var info = Posix.LStat(path);
        if (info is null)
        {
            MakeDirectory(path, Private);
            info = Posix.LStat(path) ?? throw new StateUnavailableException($"state directory {path} vanished after creation");
            if (location.SharedParent && !string.IsNullOrEmpty(parent)) AdoptOlderStore(parent, path);
        }
        Validate(path, info.Value, expectDirectory: true);
        if ((info.Value.Mode & (UnixFileMode)0x3F) != 0) File.SetUnixFileMode(path, Private);
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

    /// <summary>The shared directory of per-user stores: made sticky 1777 like /tmp, owned by root or by us.</summary>
    private static void EnsureShared(string dir)
    {
        var info = Posix.LStat(dir);
        if (info is null)
        {
            CreateMissing(System.IO.Path.GetDirectoryName(dir)!);
            try
            {
                Directory.CreateDirectory(dir, Private);
                File.SetUnixFileMode(dir, Sticky1777); // chmod, not mkdir: the umask would take the other users' access away
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                if (Posix.LStat(dir) is null) throw new StateUnavailableException($"cannot create state directory {dir}: {IoError.Reason(e)}", e);
            }
            info = Posix.LStat(dir);
            if (info is null) throw new StateUnavailableException($"state directory {dir} vanished after creation");
        }
        var i = info.Value;
        if (i.IsSymlink || !i.IsDirectory)
            throw new StateUnavailableException($"refusing shared state directory {dir}: {(i.IsSymlink ? "it is a symlink" : "not a directory")}; choose another with --state-dir");
        uint me = Posix.EffectiveUserId;
        if (i.OwnerId != 0 && i.OwnerId != me)
            throw new StateUnavailableException(
                $"refusing shared state directory {dir}: owned by uid {i.OwnerId}, neither root nor you, so it could move your store away; choose another with --state-dir");
        if (i.Mode != Sticky1777 && i.OwnerId == me)
            File.SetUnixFileMode(dir, Sticky1777); // also turns a 0700 store of an older metacheck into the shared directory
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
        if ((info.Value.Mode & (UnixFileMode)0x3F) != 0)
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
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
        if (!info.Value.IsRegularFile)
            throw new StateUnavailableException($"state store {file} is not a regular file ({(info.Value.IsDirectory ? "a directory" : info.Value.IsSymlink ? "a symlink" : "a FIFO, socket or device")}); wrappers run without history until it is removed");
        return file;
    }
}
