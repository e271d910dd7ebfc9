namespace MetaCheck.State;

/// <summary>Where the per-user store lives, and the guarantee that only this user can write there.</summary>
public static class StateDirectory
{
    public const string EnvVar = "METACHECK_STATE_DIR";

    /// <summary>Returns the directory and the rule that chose it (shown by `metacheck doctor`/errors).</summary>
    public static (string Path, string Source) Resolve(string? explicitDir, Func<string, string?> env, uint euid)
    {
        if (!string.IsNullOrEmpty(explicitDir)) return (Full(explicitDir), "--state-dir");
        if (env(EnvVar) is { Length: > 0 } fromEnv) return (Full(fromEnv), EnvVar);
        if (env("MACKEREL_PLUGIN_WORKDIR") is { Length: > 0 } workdir)
            return (System.IO.Path.Combine(Full(workdir), "metacheck"), "MACKEREL_PLUGIN_WORKDIR");
        if (euid == 0) return ("/var/lib/metacheck", "default for root");
        if (env("XDG_STATE_HOME") is { Length: > 0 } xdg) return (System.IO.Path.Combine(Full(xdg), "metacheck"), "XDG_STATE_HOME");
        var home = env("HOME");
        if (string.IsNullOrEmpty(home))
            throw new StateUnavailableException("no state directory: HOME is not set; set METACHECK_STATE_DIR or pass --state-dir");
        return (System.IO.Path.Combine(home, ".local", "state", "metacheck"), "default (~/.local/state)");
    }

    private static string Full(string path) => System.IO.Path.GetFullPath(path);

    /// <summary>
    /// Creates the directory 0700, or accepts an existing one only if it is a real directory (not a
    /// symlink) owned by us; group/other permissions are removed. A directory someone else owns is
    /// refused: in a world-writable parent (MACKEREL_PLUGIN_WORKDIR is 0777) it could be a trap.
    /// </summary>
    public static void EnsurePrivate(string path)
    {
        var info = Posix.LStat(path);
        if (info is null)
        {
            var parent = System.IO.Path.GetDirectoryName(path);
            if (!string.IsNullOrEmpty(parent) && !Directory.Exists(parent))
                Directory.CreateDirectory(parent, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            try
            {
                Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new StateUnavailableException($"cannot create state directory {path}: {e.Message}", e);
            }
            info = Posix.LStat(path);
            if (info is null) throw new StateUnavailableException($"state directory {path} vanished after creation");
        }
        Validate(path, info.Value, expectDirectory: true);
        if ((info.Value.Mode & (UnixFileMode)0x3F) != 0)
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    /// <summary>Same rule for a file inside the directory (the database and its WAL companions).</summary>
    public static void EnsurePrivateFile(string path)
    {
        var info = Posix.LStat(path);
        if (info is null)
        {
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
}
