using System.Diagnostics;

namespace MetaCheck.Tests.Support;

/// <summary>
/// How long a test waits for what takes well under a second on an idle machine. Tests assert behaviour,
/// not speed, and must pass at load 50: a bound here only separates "happened" from the hang a bug
/// causes, so each test makes its bug's wait longer than this (a 60 s sleep, a peer that never answers).
/// </summary>
public static class Patience
{
    public static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    /// <summary>Polls <paramref name="condition"/> until it holds (true) or <see cref="Bound"/> has passed (false).</summary>
    public static bool Until(Func<bool> condition)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > Bound) return false;
            Thread.Sleep(20);
        }
        return true;
    }
}
