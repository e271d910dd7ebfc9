using System.Diagnostics;

namespace MetaCheck.Checks.CheckTcp;

/// <summary>
/// The time limit of one probe step (connect with its handshake, a write, the whole read), shared by
/// the operations of that step. The waiting thread enforces it: a CancellationTokenSource with a
/// timeout would start the runtime's timer thread and calibrate its per-CPU timer queues, about
/// 0.7 ms of every check-tcp run, for a limit that is seldom reached. Past the limit the pending
/// operation is cancelled, so callers see the OperationCanceledException a timed-out token gives.
/// </summary>
internal sealed class StepLimit(TimeSpan? timeout) : IDisposable
{
    private readonly CancellationTokenSource _cancel = new();
    private readonly long _started = Stopwatch.GetTimestamp();

    /// <summary>For the operations of this step; cancelled once the limit has passed and a wait notices.</summary>
    public CancellationToken Token => _cancel.Token;

    /// <summary>What is left of the limit, for a wait of our own (none: infinite; passed: zero).</summary>
    public TimeSpan Left
    {
        get
        {
            if (timeout is not { } limit) return Timeout.InfiniteTimeSpan;
            var left = limit - Stopwatch.GetElapsedTime(_started);
            return left <= TimeSpan.Zero ? TimeSpan.Zero : left < MaxWait ? left : MaxWait;
        }
    }

    public T Wait<T>(Task<T> operation)
    {
        Bound(operation);
        return operation.GetAwaiter().GetResult();
    }

    public void Wait(Task operation)
    {
        Bound(operation);
        operation.GetAwaiter().GetResult();
    }

    private void Bound(Task operation)
    {
        if (timeout is not { } limit || operation.IsCompleted) return;
        var left = limit - Stopwatch.GetElapsedTime(_started);
        try
        {
            if (left > TimeSpan.Zero && operation.Wait(left < MaxWait ? left : MaxWait)) return;
        }
        catch (AggregateException)
        {
            return; // it ended, with the error GetResult rethrows as itself
        }
        _cancel.Cancel();
    }

    private static readonly TimeSpan MaxWait = TimeSpan.FromMilliseconds(int.MaxValue - 1);

    public void Dispose() => _cancel.Dispose();
}
