using System.Runtime.InteropServices;

namespace MetaCheck.Wrappers;

/// <summary>
/// An flock(2) on a file in the private state directory: "this run is running the inner command".
/// The kernel drops it when the holder exits however it exits (kill -9 included), so a dead holder
/// never blocks the others. The file is opened with O_CLOEXEC, so the inner command does not inherit
/// it (an orphaned inner process cannot hold it). The file itself stays: removing a lock file races
/// with a run that has just opened it.
/// </summary>
public sealed class RunLock : IDisposable
{
    private const int ORdWr = 0x2, OCreat = 0x40, OCloExec = 0x80000; // Linux, every architecture .NET runs on
    private const int LockEx = 2, LockNb = 4;
    private const int EIntr = 4, EWouldBlock = 11;

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    private static extern int Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, int mode);

    [DllImport("libc", EntryPoint = "flock", SetLastError = true)]
    private static extern int Flock(int fd, int operation);

    [DllImport("libc", EntryPoint = "close")]
    private static extern int Close(int fd);

    private int _fd;

    private RunLock(int fd, string path) => (_fd, Path) = (fd, path);

    public string Path { get; }

    /// <summary>Opens (creating it 0600) the lock file; the lock is not taken yet.</summary>
    public static RunLock OpenFile(string path)
    {
        int fd = Open(path, ORdWr | OCreat | OCloExec, 0x180 /* 0600 */);
        return fd >= 0 ? new RunLock(fd, path)
            : throw new IOException($"cannot open lock file {path}: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
    }

    /// <summary>Takes the lock if no other process holds it; never waits.</summary>
    public bool TryTake()
    {
        while (true)
        {
            if (Flock(_fd, LockEx | LockNb) == 0) return true;
            int errno = Marshal.GetLastPInvokeError();
            if (errno == EWouldBlock) return false;
            if (errno != EIntr) throw new IOException($"cannot lock {Path}: {Marshal.GetPInvokeErrorMessage(errno)}");
        }
    }

    public void Dispose()
    {
        if (_fd < 0) return;
        Close(_fd);
        _fd = -1;
    }
}
