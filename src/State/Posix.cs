using System.Runtime.InteropServices;

namespace MetaCheck.State;

/// <summary>
/// The few libc calls .NET has no API for: who we are and who owns a path. (The AOT build binds
/// "libc" at link time, see DirectPInvoke in the host project, so nothing is probed at run time.)
/// </summary>
public static partial class Posix
{
    [DllImport("libc", EntryPoint = "geteuid")]
    private static extern uint GetEuid();

    // statx has one layout on every Linux architecture, unlike struct stat.
    [DllImport("libc", EntryPoint = "statx", SetLastError = true)]
    private static extern unsafe int StatX(int dirfd, byte* path, int flags, uint mask, byte* buffer);

    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const uint StatxBasicStats = 0x7ff;

    public static uint EffectiveUserId => GetEuid();

    [LibraryImport("libc", EntryPoint = "getpwuid_r", SetLastError = true)]
    private static unsafe partial int GetPwUidR(uint uid, byte* passwd, byte* buffer, nuint bufferLength, byte** result);

    [LibraryImport("libc", EntryPoint = "getpwnam_r", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int GetPwNamR(string name, byte* passwd, byte* buffer, nuint bufferLength, byte** result);

    /// <summary>A user's uid and home directory from passwd, or null when there is no such user.</summary>
    public static unsafe (uint Uid, string Home)? User(string name) =>
        Lookup((passwd, buffer, size, result) => GetPwNamR(name, passwd, buffer, size, result)) is { Home: { } home } entry ? (entry.Uid, home) : null;

    /// <summary>
    /// The home directory passwd gives <paramref name="uid"/> (what HOME would be after a login), or
    /// null. Daemons started by systemd (Icinga 2, Nagios) run checks without HOME.
    /// </summary>
    public static unsafe string? HomeDirectory(uint uid) => ByUid(uid)?.Home;

    /// <summary>The login name of <paramref name="uid"/> (passwd, or a directory service through NSS), or null.</summary>
    public static string? UserName(uint uid) => ByUid(uid)?.Name;

    private static unsafe (uint Uid, string? Home, string Name)? ByUid(uint uid) =>
        Lookup((passwd, buffer, size, result) => GetPwUidR(uid, passwd, buffer, size, result));

    private unsafe delegate int PasswdCall(byte* passwd, byte* buffer, nuint size, byte** result);

    /// <summary>getpwnam_r/getpwuid_r with a buffer that grows until the entry fits.</summary>
    private static unsafe (uint Uid, string? Home, string Name)? Lookup(PasswdCall call)
    {
        byte* passwd = stackalloc byte[64]; // struct passwd is 48 bytes on 64-bit glibc/musl
        for (int size = 4096; size <= 1 << 20; size *= 4)
        {
            var buffer = new byte[size];
            byte* result = null;
            fixed (byte* b = buffer)
            {
                int error = call(passwd, b, (nuint)size, &result);
                if (error == 34 /* ERANGE */) continue;
                if (error != 0 || result == null) return null;
                // pw_name, pw_uid and pw_dir (the strings point into the buffer).
                var name = Marshal.PtrToStringUTF8(*(nint*)passwd) ?? "";
                var dir = Marshal.PtrToStringUTF8(*(nint*)(passwd + 32));
                return (*(uint*)(passwd + 16), string.IsNullOrEmpty(dir) ? null : dir, name);
            }
        }
        return null;
    }

    public readonly record struct PathInfo(uint OwnerId, UnixFileMode Mode, bool IsDirectory, bool IsSymlink, bool IsRegularFile);

    /// <summary>lstat-like: a symlink is reported as itself, never followed. Null when the path does not exist.</summary>
    public static unsafe PathInfo? LStat(string path)
    {
        byte* buffer = stackalloc byte[256];
        if (!StatPath(path, AtSymlinkNoFollow, buffer)) return null;
        uint uid = *(uint*)(buffer + 20);
        ushort mode = *(ushort*)(buffer + 28);
        int type = mode & 0xF000;
        return new PathInfo(uid, (UnixFileMode)(mode & 0xFFF), type == 0x4000, type == 0xA000, type == 0x8000);
    }

    /// <summary>statx of a path into <paramref name="buffer"/>; false when the path does not exist.</summary>
    private static unsafe bool StatPath(string path, int flags, byte* buffer)
    {
        var utf8 = System.Text.Encoding.UTF8.GetBytes(path + "\0");
        fixed (byte* p = utf8)
        {
            if (StatX(AtFdCwd, p, flags, StatxBasicStats, buffer) == 0) return true;
        }
        int errno = Marshal.GetLastPInvokeError();
        if (errno == 2 /* ENOENT */ || errno == 20 /* ENOTDIR */) return false;
        throw new IOException($"cannot stat {path}: {Marshal.GetPInvokeErrorMessage(errno)}");
    }

    /// <summary>Which file a path or open handle is: device and inode (as stat reports them), size and type.</summary>
    public readonly record struct FileId(ulong Device, ulong Inode, long Size, bool IsRegularFile);

    /// <summary>stat-like (symlinks followed). Null when the path does not exist.</summary>
    public static unsafe FileId? Stat(string path)
    {
        byte* buffer = stackalloc byte[256];
        return StatPath(path, 0, buffer) ? ReadId(buffer) : null;
    }

    /// <summary>fstat-like: the file an open handle refers to, whatever its path is now.</summary>
    public static unsafe FileId Stat(Microsoft.Win32.SafeHandles.SafeFileHandle handle)
    {
        byte* empty = stackalloc byte[1];
        empty[0] = 0;
        byte* buffer = stackalloc byte[256];
        bool added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            if (StatX((int)handle.DangerousGetHandle(), empty, AtEmptyPath, StatxBasicStats, buffer) != 0)
                throw new IOException($"cannot stat an open file: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
        }
        finally
        {
            if (added) handle.DangerousRelease();
        }
        return ReadId(buffer);
    }

    private const int AtEmptyPath = 0x1000;

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    private static extern int OpenFile([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, int mode);

    [DllImport("libc", EntryPoint = "close")]
    private static extern int CloseFile(int fd);

    private const int ORdOnly = 0, OWrOnly = 1, ONonBlock = 0x800, ONoFollow = 0x20000, OCloExec = 0x80000; // Linux

    public enum FileType { Regular, Other }

    /// <summary>
    /// What <paramref name="path"/> is once opened read-only with O_NONBLOCK|O_NOFOLLOW (a FIFO cannot make
    /// the open wait, a symlink is not followed), from the descriptor; null when it cannot be opened.
    /// </summary>
    public static unsafe FileType? OpenedType(string path)
    {
        int fd = OpenFile(path, ORdOnly | ONonBlock | ONoFollow | OCloExec, 0);
        if (fd < 0) return Marshal.GetLastPInvokeError() == 40 /* ELOOP: a symlink */ ? FileType.Other : null;
        try
        {
            byte* empty = stackalloc byte[1];
            empty[0] = 0;
            byte* buffer = stackalloc byte[256];
            if (StatX(fd, empty, AtEmptyPath, StatxBasicStats, buffer) != 0) return null;
            return (*(ushort*)(buffer + 28) & 0xF000) == 0x8000 ? FileType.Regular : FileType.Other;
        }
        finally
        {
            CloseFile(fd);
        }
    }

    /// <summary>
    /// Opens <paramref name="path"/> for writing without waiting and closes it: a reader blocked opening a
    /// FIFO there (SQLite, after the file was swapped for one) is let go and reads nothing. A regular file
    /// is left as it was (no O_TRUNC, nothing written).
    /// </summary>
    public static void ReleaseFifoReaders(string path)
    {
        int fd = OpenFile(path, OWrOnly | ONonBlock | ONoFollow | OCloExec, 0);
        if (fd >= 0) CloseFile(fd);
    }

    private static unsafe FileId ReadId(byte* buffer)
    {
        ushort mode = *(ushort*)(buffer + 28);
        ulong inode = *(ulong*)(buffer + 32);
        long size = *(long*)(buffer + 40);
        ulong device = ((ulong)*(uint*)(buffer + 136) << 32) | *(uint*)(buffer + 140);
        return new FileId(device, inode, size, (mode & 0xF000) == 0x8000);
    }
}
