using System.ComponentModel;
using System.Diagnostics;

namespace MetaCheck.Core;

public sealed record RunSettings
{
    /// <summary>Kill the whole process tree after this long; null waits forever (as the originals did).</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>Stdout beyond this is read and dropped, so a chatty check cannot exhaust memory.</summary>
    public const int DefaultMaxOutput = 64 * 1024;
    public int MaxOutputBytes { get; init; } = DefaultMaxOutput;

    /// <summary>Capture stderr too (plugins reading a tool's errors); wrappers let it pass through.</summary>
    public bool CaptureStderr { get; init; }

    /// <summary>Extra environment for the child (e.g. LC_ALL=C for parsed tools, MYSQL_PWD).</summary>
    public IReadOnlyDictionary<string, string>? Environment { get; init; }
}

public sealed record ProcessResult(
    int ExitCode, byte[] Stdout, byte[] Stderr, bool Truncated, bool TimedOut, bool Interrupted, long StartedAtMs, long DurationMs)
{
    /// <summary>Shells report death by signal N as 128+N and so does .NET; read it back the same way.</summary>
    public int? Signal => !TimedOut && !Interrupted && ExitCode is > 128 and <= 128 + 64 ? ExitCode - 128 : null;
}

/// <summary>Runs a command as a child process; the one seam tests and plugins substitute.</summary>
public interface ICommandRunner
{
    ProcessResult Run(InnerCommand command, RunSettings settings, CancellationToken cancel = default);
}

public sealed class ProcessRunner : ICommandRunner
{
    public static readonly ProcessRunner Instance = new();

    /// <summary>After the child exits, how long to wait for stdout EOF: a background grandchild may hold it open.</summary>
    private static readonly TimeSpan DrainGrace = TimeSpan.FromSeconds(1);

    public ProcessResult Run(InnerCommand command, RunSettings settings, CancellationToken cancel = default)
    {
        var info = new ProcessStartInfo(command.FileName)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = settings.CaptureStderr,
            RedirectStandardInput = false,
        };
        foreach (var arg in command.Arguments) info.ArgumentList.Add(arg);
        if (settings.Environment is not null)
            foreach (var (key, value) in settings.Environment) info.Environment[key] = value;

        var started = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        using var process = new Process { StartInfo = info };
        try
        {
            process.Start();
        }
        catch (Win32Exception e)
        {
            throw new LaunchException($"cannot run '{command.Argv[0]}': {e.Message.ToLowerInvariant()}");
        }

        var stdout = new BoundedBuffer(settings.MaxOutputBytes);
        var stderr = new BoundedBuffer(settings.MaxOutputBytes);
        var readOut = stdout.DrainAsync(process.StandardOutput.BaseStream);
        var readErr = settings.CaptureStderr ? stderr.DrainAsync(process.StandardError.BaseStream) : Task.CompletedTask;

        bool timedOut = false, interrupted = false;
        using (var limit = CancellationTokenSource.CreateLinkedTokenSource(cancel))
        {
            if (settings.Timeout is { } timeout) limit.CancelAfter(timeout);
            try
            {
                process.WaitForExitAsync(limit.Token).GetAwaiter().GetResult();
            }
            catch (OperationCanceledException)
            {
                interrupted = cancel.IsCancellationRequested;
                timedOut = !interrupted;
                KillTree(process);
                process.WaitForExit();
            }
        }
        Task.WaitAll([readOut, readErr], DrainGrace);
        clock.Stop();
        return new ProcessResult(process.ExitCode, stdout.ToArray(), stderr.ToArray(), stdout.Truncated || stderr.Truncated,
            timedOut, interrupted, started.ToUnixTimeMilliseconds(), clock.ElapsedMilliseconds);
    }

    private static void KillTree(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already exited between the timeout and the kill.
        }
    }

    private sealed class BoundedBuffer(int max)
    {
        private readonly MemoryStream _data = new();
        private readonly Lock _gate = new();
        public bool Truncated { get; private set; }

        public async Task DrainAsync(Stream source)
        {
            var chunk = new byte[16 * 1024];
            try
            {
                int n;
                while ((n = await source.ReadAsync(chunk).ConfigureAwait(false)) > 0)
                {
                    lock (_gate)
                    {
                        int keep = (int)Math.Min(n, max - _data.Length);
                        if (keep > 0) _data.Write(chunk, 0, keep);
                        if (keep < n) Truncated = true;
                    }
                }
            }
            catch (IOException)
            {
                // The pipe broke while the child was being killed; keep what arrived.
            }
        }

        public byte[] ToArray()
        {
            lock (_gate) return _data.ToArray();
        }
    }
}
