using System.Runtime.InteropServices;

namespace MetaCheck.Core;

/// <summary>
/// The libc calls the process runner needs. The AOT build binds "libc" at link time (DirectPInvoke in
/// the host project), so nothing is looked up at run time. Layouts and numbers are Linux/glibc ones.
/// </summary>
internal static unsafe partial class LibC
{
    private const string Lib = "libc";

    // Opaque glibc objects, allocated by us with room to spare: posix_spawnattr_t is 336 bytes,
    // posix_spawn_file_actions_t 80 and sigset_t 128 on x86-64 and arm64.
    public const int OpaqueSize = 512;

    public const short PosixSpawnSetPgroup = 0x02, PosixSpawnSetSigDef = 0x04, PosixSpawnSetSigMask = 0x08;
    public const int ORdOnly = 0, ONonBlock = 0x800, OCloExec = 0x80000;
    public const short PollIn = 0x1, PollErr = 0x8, PollHup = 0x10, PollNval = 0x20;
    public const int WNoHang = 1;
    public const int EIntr = 4, ESrch = 3, EAgain = 11, EChild = 10, EPipe = 32, ENoSys = 38;
    public const int SigHup = 1, SigInt = 2, SigQuit = 3, SigKill = 9, SigTerm = 15, SigChld = 17;
    public const long SysPidfdOpen = 434; // the same number on every architecture (added in Linux 5.3)

    [StructLayout(LayoutKind.Sequential)]
    public struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    [LibraryImport(Lib, EntryPoint = "tzset")]
    public static partial void TzSet();

    [LibraryImport(Lib, EntryPoint = "posix_spawn")]
    public static partial int PosixSpawn(out int pid, byte* path, void* fileActions, void* attr, byte** argv, byte** envp);

    [LibraryImport(Lib, EntryPoint = "posix_spawnattr_init")]
    public static partial int SpawnAttrInit(void* attr);

    [LibraryImport(Lib, EntryPoint = "posix_spawnattr_destroy")]
    public static partial int SpawnAttrDestroy(void* attr);

    [LibraryImport(Lib, EntryPoint = "posix_spawnattr_setflags")]
    public static partial int SpawnAttrSetFlags(void* attr, short flags);

    [LibraryImport(Lib, EntryPoint = "posix_spawnattr_setpgroup")]
    public static partial int SpawnAttrSetPgroup(void* attr, int pgroup);

    [LibraryImport(Lib, EntryPoint = "posix_spawnattr_setsigdefault")]
    public static partial int SpawnAttrSetSigDefault(void* attr, void* sigset);

    [LibraryImport(Lib, EntryPoint = "posix_spawnattr_setsigmask")]
    public static partial int SpawnAttrSetSigMask(void* attr, void* sigset);

    [LibraryImport(Lib, EntryPoint = "sigfillset")]
    public static partial int SigFillSet(void* sigset);

    [LibraryImport(Lib, EntryPoint = "sigemptyset")]
    public static partial int SigEmptySet(void* sigset);

    [LibraryImport(Lib, EntryPoint = "posix_spawn_file_actions_init")]
    public static partial int FileActionsInit(void* actions);

    [LibraryImport(Lib, EntryPoint = "posix_spawn_file_actions_destroy")]
    public static partial int FileActionsDestroy(void* actions);

    [LibraryImport(Lib, EntryPoint = "posix_spawn_file_actions_addopen")]
    public static partial int FileActionsAddOpen(void* actions, int fd, byte* path, int flags, uint mode);

    [LibraryImport(Lib, EntryPoint = "posix_spawn_file_actions_adddup2")]
    public static partial int FileActionsAddDup2(void* actions, int fd, int newFd);

    // glibc 2.34; the binary already needs 2.34 for other symbols.
    [LibraryImport(Lib, EntryPoint = "posix_spawn_file_actions_addclosefrom_np")]
    public static partial int FileActionsAddCloseFrom(void* actions, int from);

    [LibraryImport(Lib, EntryPoint = "pipe2", SetLastError = true)]
    public static partial int Pipe2(int* fds, int flags);

    [LibraryImport(Lib, EntryPoint = "close")]
    public static partial int Close(int fd);

    [LibraryImport(Lib, EntryPoint = "read", SetLastError = true)]
    public static partial nint Read(int fd, byte* buffer, nint count);

    [LibraryImport(Lib, EntryPoint = "write", SetLastError = true)]
    public static partial nint Write(int fd, byte* buffer, nint count);

    [LibraryImport(Lib, EntryPoint = "poll", SetLastError = true)]
    public static partial int Poll(PollFd* fds, nuint count, int timeoutMs);

    [LibraryImport(Lib, EntryPoint = "kill", SetLastError = true)]
    public static partial int Kill(int pid, int signal);

    [LibraryImport(Lib, EntryPoint = "waitpid", SetLastError = true)]
    public static partial int WaitPid(int pid, int* status, int options);

    // pidfd_open through syscall(2): glibc's own wrapper would need glibc 2.36.
    [LibraryImport(Lib, EntryPoint = "syscall", SetLastError = true)]
    public static partial long Syscall(long number, int arg1, uint arg2);

    public const int PrSetChildSubreaper = 36;

    [LibraryImport(Lib, EntryPoint = "prctl", SetLastError = true)]
    public static partial int Prctl(int option, nuint arg2, nuint arg3, nuint arg4, nuint arg5);

    [LibraryImport(Lib, EntryPoint = "sigaction")]
    private static partial int SigAction(int signal, void* action, void* old);

    /// <summary>sigaction with a zeroed struct sigaction: SIG_DFL, empty mask, no flags.</summary>
    public static void ResetToDefault(int signal)
    {
        long* action = stackalloc long[OpaqueSize / 8];
        new Span<byte>(action, OpaqueSize).Clear();
        SigAction(signal, action, null);
    }

    public static int Errno => Marshal.GetLastPInvokeError();

    public static string Describe(int errno) => Marshal.GetPInvokeErrorMessage(errno);
}
