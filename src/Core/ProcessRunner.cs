using System.Diagnostics;
using System.Runtime.InteropServices;

namespace MetaCheck.Core;

public sealed record RunSettings
{
    /// <summary>Kill the inner command's process group after this long; null waits forever (as the originals did).</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>Stdout beyond this is read and dropped, so a chatty check cannot exhaust memory.</summary>
    public const int DefaultMaxOutput = 64 * 1024;
    public int MaxOutputBytes { get; init; } = DefaultMaxOutput;

    /// <summary>Capture stderr too (plugins reading a tool's errors); wrappers let it pass through.</summary>
    public bool CaptureStderr { get; init; }

    /// <summary>Extra environment for the child (e.g. LC_ALL=C for parsed tools, MYSQL_PWD).</summary>
    public IReadOnlyDictionary<string, string>? Environment { get; init; }

    /// <summary>
    /// Wrappers, which own their process: SIGTERM/SIGINT/SIGHUP/SIGQUIT to this process are passed to the
    /// child's process group and end the run as interrupted, instead of ending this process; the process
    /// becomes a child subreaper and SIGCHLD gets its default disposition back.
    /// </summary>
    public bool ForwardTerminationSignals { get; init; }

    /// <summary>
    /// Start the command in a cgroup of its own (<see cref="InnerCgroup"/>; with <see cref="ForwardTerminationSignals"/>
    /// only). Opt-in: stepping the wrapper into the cgroup waits for the kernel's cgroup lock, 9-13 ms of
    /// a 20 ms run on the machines measured, which every run would pay for a case few checks have.
    /// </summary>
    public bool OwnCgroup { get; init; }
}

/// <param name="ExitCode">The exit code; 128+N after death by signal N (as shells report it); -1 when the child could not be reaped.</param>
public sealed record ProcessResult(
    int ExitCode, byte[] Stdout, byte[] Stderr, bool Truncated, bool TimedOut, bool Interrupted, long StartedAtMs, long DurationMs)
{
    /// <summary>The signal that killed the child, read from its wait status; null when it exited, whatever its code.</summary>
    public int? Signal { get; init; }

    /// <summary>The signal this process received that interrupted the run (with <see cref="Interrupted"/>).</summary>
    public int? InterruptSignal { get; init; }
}

/// <summary>Runs a command as a child process; the one seam tests and plugins substitute.</summary>
public interface ICommandRunner
{
    ProcessResult Run(InnerCommand command, RunSettings settings);
}

/// <summary>
/// posix_spawn with what a monitoring wrapper needs and System.Diagnostics.Process cannot do: the
/// child leads a process group of its own, starts with every signal at its default disposition and an
/// empty mask (the .NET runtime ignores SIGPIPE), reads /dev/null as stdin and inherits no descriptor
/// but 0-2. A timeout or a forwarded signal is one kill(2) of the whole group, so ending a run costs the
/// same however many processes the check made (see docs/inner-command.md).
/// </summary>
public sealed unsafe class ProcessRunner : ICommandRunner
{
    public static readonly ProcessRunner Instance = new();

    /// <summary>After the child exits, how long to wait for stdout EOF: a background grandchild may hold it open.</summary>
    public static readonly TimeSpan DrainGrace = TimeSpan.FromSeconds(1);

    /// <summary>Between SIGTERM (or the forwarded signal) to the group and SIGKILL.</summary>
    public static readonly TimeSpan KillGrace = TimeSpan.FromMilliseconds(500);

    /// <summary>After SIGKILL, how long to wait for the child's end and for its pipes to close.</summary>
    private static readonly TimeSpan KillWait = TimeSpan.FromMilliseconds(300);

    private static int _subreaper; // set up once per process

    public ProcessResult Run(InnerCommand command, RunSettings settings)
    {
        if (settings.ForwardTerminationSignals) TerminationSignals.Install();
        // Wrappers own their process. What the child's processes orphan is re-parented to us rather than
        // to init, so that a timeout still finds it (even when it left the group) and its zombie is
        // reaped at once. (Not for plugins: a process that also uses System.Diagnostics.Process, as the
        // in-process tests do, needs the runtime's SIGCHLD handler.)
        if (settings.ForwardTerminationSignals && Interlocked.Exchange(ref _subreaper, 1) == 0)
        {
            LibC.Prctl(LibC.PrSetChildSubreaper, 1, 0, 0, 0);
            // Started with SIGCHLD ignored (some daemons do that), the runtime's own SIGCHLD handler reaps
            // every child to emulate it, and the child's status would be lost. Nothing here uses
            // System.Diagnostics.Process, the one user of that handler: back to the default.
            LibC.ResetToDefault(LibC.SigChld);
        }
        var startedAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var clock = Stopwatch.StartNew();
        var stdout = new Pipe(settings.MaxOutputBytes);
        var stderr = settings.CaptureStderr ? new Pipe(settings.MaxOutputBytes) : null;
        int pid;
        // With METACHECK_CGROUP=1, a wrapper's command gets a cgroup of its own where the kernel allows (InnerCgroup says why).
        var cgroup = settings.ForwardTerminationSignals && settings.OwnCgroup ? InnerCgroup.TryCreate() : null;
        try
        {
            pid = cgroup is null ? Spawn(command, settings, stdout, stderr) : cgroup.Start(() => Spawn(command, settings, stdout, stderr));
        }
        catch
        {
            stdout.CloseBoth();
            stderr?.CloseBoth();
            cgroup?.Dispose();
            throw;
        }
        if (cgroup is { Holds: false })
        {
            cgroup.Dispose();
            cgroup = null;
        }
        using var cleanup = cgroup;
        using var child = new Child(pid, settings.ForwardTerminationSignals, cgroup);
        try
        {
            child.Supervise(settings.Timeout, stdout, stderr);
        }
        finally
        {
            stdout.CloseBoth();
            stderr?.CloseBoth();
        }
        return new ProcessResult(child.ExitCode, stdout.ToArray(), stderr?.ToArray() ?? [], stdout.Truncated || stderr?.Truncated == true,
            child.TimedOut, child.InterruptSignal is not null, startedAt, clock.ElapsedMilliseconds)
        {
            Signal = child.Signal,
            InterruptSignal = child.InterruptSignal,
        };
    }

    private static int Spawn(InnerCommand command, RunSettings settings, Pipe stdout, Pipe? stderr)
    {
        using var path = new NativeStrings([command.FileName]);
        using var argv = new NativeStrings([command.FileName, .. command.Arguments]);
        using var envp = new NativeStrings(EnvironmentBlock(settings.Environment));
        using var devNull = new NativeStrings(["/dev/null"]);
        long* attr = stackalloc long[LibC.OpaqueSize / 8];
        long* actions = stackalloc long[LibC.OpaqueSize / 8];
        long* all = stackalloc long[LibC.OpaqueSize / 8];
        long* none = stackalloc long[LibC.OpaqueSize / 8];
        LibC.SigFillSet(all);
        LibC.SigEmptySet(none);
        Check(LibC.SpawnAttrInit(attr), "posix_spawnattr_init");
        Check(LibC.FileActionsInit(actions), "posix_spawn_file_actions_init");
        try
        {
            Check(LibC.SpawnAttrSetFlags(attr, (short)(LibC.PosixSpawnSetPgroup | LibC.PosixSpawnSetSigDef | LibC.PosixSpawnSetSigMask)), "setflags");
            Check(LibC.SpawnAttrSetPgroup(attr, 0), "setpgroup"); // a new group whose id is the child's pid
            Check(LibC.SpawnAttrSetSigDefault(attr, all), "setsigdefault");
            Check(LibC.SpawnAttrSetSigMask(attr, none), "setsigmask");
            // The pipes are O_CLOEXEC; dup2 makes the child's copies on 1 (and 2) inheritable. The dup2s
            // come first in case a pipe end landed on 0 because this process was started with stdin closed.
            Check(LibC.FileActionsAddDup2(actions, stdout.WriteFd, 1), "adddup2");
            if (stderr is not null) Check(LibC.FileActionsAddDup2(actions, stderr.WriteFd, 2), "adddup2");
            Check(LibC.FileActionsAddOpen(actions, 0, devNull.Pointers[0], LibC.ORdOnly, 0), "addopen");
            // Descriptors this process inherited without O_CLOEXEC (from an agent) stop here too.
            Check(LibC.FileActionsAddCloseFrom(actions, 3), "addclosefrom");

            int error = LibC.PosixSpawn(out int pid, path.Pointers[0], actions, attr, argv.Pointers, envp.Pointers);
            if (error != 0)
                throw new LaunchException($"cannot run '{command.Argv[0]}': {LibC.Describe(error).ToLowerInvariant()}");
            stdout.CloseWriteEnd();
            stderr?.CloseWriteEnd();
            return pid;
        }
        finally
        {
            LibC.FileActionsDestroy(actions);
            LibC.SpawnAttrDestroy(attr);
        }
    }

    private static void Check(int error, string what)
    {
        if (error != 0) throw new IOException($"{what}: {LibC.Describe(error)}");
    }

    private static List<string> EnvironmentBlock(IReadOnlyDictionary<string, string>? extra)
    {
        var block = new List<string>();
        foreach (System.Collections.DictionaryEntry entry in System.Environment.GetEnvironmentVariables())
        {
            var key = (string)entry.Key;
            if (extra is null || !extra.ContainsKey(key)) block.Add($"{key}={entry.Value}");
        }
        if (extra is not null) foreach (var (key, value) in extra) block.Add($"{key}={value}");
        return block;
    }

    /// <summary>
    /// The spawned child, from start to reaping: waits for its end, its pipes' EOF, the timeout or a
    /// signal to this process, whichever comes first, and ends the group when it must.
    /// </summary>
    private sealed class Child(int pid, bool forwardSignals, InnerCgroup? cgroup) : IDisposable
    {
        private readonly int _pidFd = OpenPidFd(pid);
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private EscapeeList? _escapees;

        public int ExitCode { get; private set; } = -1;
        public int? Signal { get; private set; }
        public bool TimedOut { get; private set; }
        public int? InterruptSignal { get; private set; }
        private bool Reaped { get; set; }

        private static int OpenPidFd(int pid)
        {
            long fd = LibC.Syscall(LibC.SysPidfdOpen, pid, 0);
            return fd >= 0 ? (int)fd : -1; // ENOSYS before Linux 5.3: poll in short slices instead
        }

        public void Supervise(TimeSpan? timeout, Pipe stdout, Pipe? stderr)
        {
            long timeoutAt = timeout is { } t ? (long)t.TotalMilliseconds : long.MaxValue;
            long killAt = long.MaxValue;  // set when the group was told to stop
            long giveUpAt = long.MaxValue; // the latest return once the group is being ended
            long drainUntil = long.MaxValue;
            bool killed = false;
            var fds = stackalloc LibC.PollFd[4];
            while (true)
            {
                long now = _clock.ElapsedMilliseconds;
                if (!Reaped && killAt == long.MaxValue)
                {
                    int received = forwardSignals ? TerminationSignals.Received : 0;
                    if (received != 0)
                    {
                        InterruptSignal = received;
                        killAt = now + (long)KillGrace.TotalMilliseconds;
                        EndGroup(received);
                    }
                    else if (now >= timeoutAt)
                    {
                        TimedOut = true;
                        killAt = now + (long)KillGrace.TotalMilliseconds;
                        EndGroup(LibC.SigTerm);
                    }
                    if (killAt != long.MaxValue) giveUpAt = killAt + (long)KillWait.TotalMilliseconds;
                }
                if (killAt != long.MaxValue && !killed)
                {
                    ReapChildren();
                    if (now >= killAt)
                    {
                        EndGroup(LibC.SigKill);
                        killed = true;
                    }
                    else if (Reaped && !GroupAlive() && _escapees?.AnyAlive() != true && cgroup?.Populated != true)
                    {
                        killed = true; // everything ended on the first signal
                    }
                }
                if (Reaped && drainUntil == long.MaxValue)
                    drainUntil = killAt == long.MaxValue ? now + (long)DrainGrace.TotalMilliseconds : giveUpAt;
                if (Reaped && forwardSignals && TerminationSignals.Received is var late and not 0 && killAt == long.MaxValue)
                {
                    // The inner command already ended and its result stands; pass the signal to what it
                    // left in the background and stop waiting for its output.
                    LibC.Kill(-pid, late);
                    return;
                }
                bool outputOpen = stdout.Open || stderr?.Open == true;
                bool ending = killAt != long.MaxValue && !killed; // the group is not over yet, even if its leader is
                if (Reaped && !ending && (!outputOpen || now >= drainUntil)) return;
                if (!Reaped && now >= giveUpAt) return; // unkillable (uninterruptible sleep): leave it to init

                int n = 0;
                if (stdout.Open) fds[n++] = new LibC.PollFd { Fd = stdout.ReadFd, Events = LibC.PollIn };
                if (stderr?.Open == true) fds[n++] = new LibC.PollFd { Fd = stderr.ReadFd, Events = LibC.PollIn };
                if (!Reaped && _pidFd >= 0) fds[n++] = new LibC.PollFd { Fd = _pidFd, Events = LibC.PollIn };
                if (forwardSignals && killAt == long.MaxValue) fds[n++] = new LibC.PollFd { Fd = TerminationSignals.WakeFd, Events = LibC.PollIn };
                long wakeAt = Math.Min(Math.Min(timeoutAt, killAt), Math.Min(giveUpAt, drainUntil));
                if (killAt != long.MaxValue && !killed) wakeAt = Math.Min(wakeAt, now + 20); // watch for the group emptying
                if (!Reaped && _pidFd < 0) wakeAt = Math.Min(wakeAt, now + 10);
                int waitMs = wakeAt == long.MaxValue ? -1 : (int)Math.Clamp(wakeAt - now, 0, int.MaxValue);
                int ready = LibC.Poll(fds, (nuint)n, waitMs);
                if (ready < 0 && LibC.Errno != LibC.EIntr) throw new IOException($"poll: {LibC.Describe(LibC.Errno)}");
                for (int i = 0; ready > 0 && i < n; i++)
                {
                    if (fds[i].Revents == 0) continue;
                    if (fds[i].Fd == stdout.ReadFd && stdout.Open) stdout.ReadAvailable();
                    else if (stderr is not null && fds[i].Fd == stderr.ReadFd && stderr.Open) stderr.ReadAvailable();
                }
                if (!Reaped) TryReap();
            }
        }

        private void TryReap()
        {
            int status;
            int r;
            do r = LibC.WaitPid(pid, &status, LibC.WNoHang);
            while (r < 0 && LibC.Errno == LibC.EIntr);
            if (r == 0) return;
            Reaped = true;
            if (r > 0) Record(status);
            // else ECHILD: someone else reaped it; its status is lost (ExitCode stays -1)
        }

        /// <summary>Reaps the child and the orphans re-parented to us, so that dead processes leave the group at once.</summary>
        private void ReapChildren()
        {
            int status;
            int r;
            while ((r = LibC.WaitPid(-1, &status, LibC.WNoHang)) > 0 || (r < 0 && LibC.Errno == LibC.EIntr))
            {
                if (r != pid) continue;
                Reaped = true;
                Record(status);
            }
        }

        private void Record(int status)
        {
            int termSignal = status & 0x7f;
            if (termSignal == 0) ExitCode = (status >> 8) & 0xff;
            else
            {
                Signal = termSignal;
                ExitCode = 128 + termSignal;
            }
        }

        private bool GroupAlive() => LibC.Kill(-pid, 0) == 0 || LibC.Errno != LibC.ESrch;

        /// <summary>
        /// Signals the group, the command's cgroup (where it has one: the moving targets a sweep can miss),
        /// and the processes its members started in groups or sessions of their own.
        /// </summary>
        private void EndGroup(int signal)
        {
            // The group first: one call, however many processes. The /proc pass after it still finds
            // every escapee, as a child of a living member or, once that member died, of this subreaper.
            LibC.Kill(-pid, signal);
            if (cgroup is not null)
            {
                // Born in the cgroup, the command's processes cannot leave it (only root or the subtree's
                // owner can move them): no sweep of /proc, whose cost grows with every process on the host.
                cgroup.Signal(signal);
                return;
            }
            _escapees = EscapeeList.Find(pid, _escapees);
            _escapees.Signal(signal);
        }

        public void Dispose()
        {
            if (_pidFd >= 0) LibC.Close(_pidFd);
        }
    }

    /// <summary>
    /// Processes that left the child's process group (setsid, setpgid: daemons, `setsid cmd &`), found in
    /// one pass over /proc: the descendants of the group's members and of this process (a subreaper, so
    /// orphans come to us) that are not in the group. What was handed to another process (systemd-run,
    /// at, a service manager) is not our descendant and is not found.
    /// </summary>
    private sealed class EscapeeList
    {
        private readonly Dictionary<int, long> _startTimes = new();

        public static EscapeeList Find(int group, EscapeeList? earlier)
        {
            var list = new EscapeeList();
            var table = new Dictionary<int, (int Parent, int Group, long Start)>();
            try
            {
                foreach (var dir in Directory.EnumerateDirectories("/proc"))
                {
                    if (!int.TryParse(Path.GetFileName(dir), out int p)) continue;
                    if (ReadStat(p) is { } stat) table[p] = stat;
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // No /proc: the group signal still reaches everything that stayed in the group.
            }
            // The group's members, and this process: what they orphaned was re-parented to us (subreaper).
            var inside = new HashSet<int>(table.Where(kv => kv.Value.Group == group).Select(kv => kv.Key)) { System.Environment.ProcessId };
            bool grew = true;
            while (grew)
            {
                grew = false;
                foreach (var (p, (parent, pgid, start)) in table)
                {
                    if (pgid != group && !list._startTimes.ContainsKey(p) && (inside.Contains(parent) || list._startTimes.ContainsKey(parent)))
                    {
                        list._startTimes[p] = start;
                        grew = true;
                    }
                }
            }
            // Escapees found earlier whose parents have died since: still the same process if its start time matches.
            if (earlier is not null)
                foreach (var (p, start) in earlier._startTimes)
                    if (table.TryGetValue(p, out var now) && now.Start == start) list._startTimes.TryAdd(p, start);
            return list;
        }

        public void Signal(int signal)
        {
            foreach (var p in _startTimes.Keys) LibC.Kill(p, signal);
        }

        public bool AnyAlive() => _startTimes.Keys.Any(p => LibC.Kill(p, 0) == 0);

        /// <summary>Parent, process group and start time (fields 4, 5 and 22 of /proc/PID/stat).</summary>
        private static (int Parent, int Group, long Start)? ReadStat(int p)
        {
            string text;
            try
            {
                using var handle = File.OpenHandle($"/proc/{p}/stat");
                Span<byte> buffer = stackalloc byte[1024];
                text = System.Text.Encoding.ASCII.GetString(buffer[..RandomAccess.Read(handle, buffer, 0)]);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return null; // ended meanwhile
            }
            int close = text.LastIndexOf(')');
            if (close < 0) return null;
            var fields = text[(close + 2)..].Split(' ');
            if (fields.Length < 20) return null;
            return (int.Parse(fields[1]), int.Parse(fields[2]), long.Parse(fields[19]));
        }
    }

    /// <summary>One captured stream: the pipe, and what was read from it up to a bound.</summary>
    private sealed class Pipe
    {
        private readonly int _max;
        private readonly MemoryStream _data = new();
        private int _writeFd;

        public Pipe(int max)
        {
            _max = max;
            int* fds = stackalloc int[2];
            if (LibC.Pipe2(fds, LibC.OCloExec) != 0) throw new IOException($"cannot create a pipe: {LibC.Describe(LibC.Errno)}");
            ReadFd = fds[0];
            _writeFd = fds[1];
        }

        public int ReadFd { get; private set; }
        public int WriteFd => _writeFd;
        public bool Open => ReadFd >= 0;
        public bool Truncated { get; private set; }

        /// <summary>One read of what poll reported; EOF (every writer gone) closes the pipe.</summary>
        public void ReadAvailable()
        {
            byte* chunk = stackalloc byte[64 * 1024];
            nint n;
            do n = LibC.Read(ReadFd, chunk, 64 * 1024);
            while (n < 0 && LibC.Errno == LibC.EIntr);
            if (n <= 0)
            {
                if (n < 0 && LibC.Errno == LibC.EAgain) return;
                LibC.Close(ReadFd);
                ReadFd = -1;
                return;
            }
            int keep = (int)Math.Min(n, _max - _data.Length);
            if (keep > 0) _data.Write(new ReadOnlySpan<byte>(chunk, keep));
            if (keep < n) Truncated = true;
        }

        public void CloseWriteEnd()
        {
            if (_writeFd >= 0) LibC.Close(_writeFd);
            _writeFd = -1;
        }

        public void CloseBoth()
        {
            CloseWriteEnd();
            if (ReadFd >= 0) LibC.Close(ReadFd);
            ReadFd = -1;
        }

        public byte[] ToArray() => _data.ToArray();
    }

    /// <summary>A NULL-terminated array of NUL-terminated UTF-8 strings in native memory (argv, envp).</summary>
    private sealed class NativeStrings : IDisposable
    {
        public byte** Pointers { get; }
        private readonly int _count;

        public NativeStrings(IReadOnlyList<string> strings)
        {
            _count = strings.Count;
            Pointers = (byte**)NativeMemory.AllocZeroed((nuint)(_count + 1), (nuint)sizeof(byte*));
            for (int i = 0; i < _count; i++) Pointers[i] = (byte*)Marshal.StringToCoTaskMemUTF8(strings[i]);
        }

        public void Dispose()
        {
            for (int i = 0; i < _count; i++) Marshal.FreeCoTaskMem((nint)Pointers[i]);
            NativeMemory.Free(Pointers);
        }
    }
}
