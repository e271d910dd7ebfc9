using System.Runtime.InteropServices;

namespace MetaCheck.Core;

/// <summary>
/// SIGTERM, SIGINT, SIGHUP and SIGQUIT to a wrapper (an agent's own timeout, Ctrl-C, a closed
/// terminal) are noted instead of ending the process, and wake the runner, which passes them on to
/// the inner command's process group. Installed once and never removed: the handlers run on their
/// own thread at any moment, also after the run, so they only set a number and write to a pipe,
/// which cannot fail or touch anything disposed.
/// </summary>
internal static unsafe class TerminationSignals
{
    private static readonly Lock Gate = new();
    private static PosixSignalRegistration[]? _registrations; // kept referenced for the life of the process
    private static int _received;
    private static int _wakeRead = -1, _wakeWrite = -1;

    /// <summary>The first signal received (its number, e.g. 15), or 0.</summary>
    public static int Received => Volatile.Read(ref _received);

    /// <summary>Readable once a signal was received (never drained: it marks a state, not events).</summary>
    public static int WakeFd => _wakeRead;

    public static void Install()
    {
        lock (Gate)
        {
            if (_registrations is not null) return;
            int* fds = stackalloc int[2];
            if (LibC.Pipe2(fds, LibC.OCloExec | LibC.ONonBlock) != 0)
                throw new IOException($"cannot create a pipe: {LibC.Describe(LibC.Errno)}");
            (_wakeRead, _wakeWrite) = (fds[0], fds[1]);
            _registrations =
            [
                PosixSignalRegistration.Create(PosixSignal.SIGTERM, ctx => Note(ctx, LibC.SigTerm)),
                PosixSignalRegistration.Create(PosixSignal.SIGINT, ctx => Note(ctx, LibC.SigInt)),
                PosixSignalRegistration.Create(PosixSignal.SIGHUP, ctx => Note(ctx, LibC.SigHup)),
                PosixSignalRegistration.Create(PosixSignal.SIGQUIT, ctx => Note(ctx, LibC.SigQuit)),
            ];
        }
    }

    private static void Note(PosixSignalContext context, int signal)
    {
        context.Cancel = true; // the runtime's default would end the process before the run is recorded
        if (Interlocked.CompareExchange(ref _received, signal, 0) != 0) return;
        byte one = 1;
        LibC.Write(_wakeWrite, &one, 1);
    }
}
