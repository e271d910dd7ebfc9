namespace MetaCheck.Checks.Framework;

/// <summary>
/// Where the host's /proc, /sys and /etc are. HOST_PROC, HOST_SYS and HOST_ETC (gopsutil's names)
/// point a plugin at a host mounted into a container, or at a fixture tree in tests.
/// </summary>
public sealed record HostPaths(string ProcDir, string SysDir, string EtcDir)
{
    public static HostPaths FromEnvironment(Func<string, string?> env) => new(
        NonEmpty(env("HOST_PROC")) ?? "/proc", NonEmpty(env("HOST_SYS")) ?? "/sys", NonEmpty(env("HOST_ETC")) ?? "/etc");

    /// <summary>A fixture tree with proc/, sys/ and etc/ below <paramref name="root"/>.</summary>
    public static HostPaths UnderRoot(string root) =>
        new(Path.Combine(root, "proc"), Path.Combine(root, "sys"), Path.Combine(root, "etc"));

    public string Proc(string relative) => Path.Combine(ProcDir, relative);
    public string Sys(string relative) => Path.Combine(SysDir, relative);
    public string Etc(string relative) => Path.Combine(EtcDir, relative);

    private static string? NonEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
