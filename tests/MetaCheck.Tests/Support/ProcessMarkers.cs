using System.Diagnostics;

namespace MetaCheck.Tests.Support;

/// <summary>
/// Unique arguments for the processes a test starts, so it can tell whether they still live and end
/// the ones a bug left behind, and nothing else (on disposal).
/// </summary>
public sealed class ProcessMarkers : IDisposable
{
    private readonly List<string> _issued = [];

    /// <summary>A unique argument that also works as a duration for sleep(1): 600.NNNNNNNNN seconds.</summary>
    public string New()
    {
        var marker = $"600.{Random.Shared.NextInt64(100_000_000, 999_999_999)}";
        _issued.Add(marker);
        return marker;
    }

    public void Dispose()
    {
        foreach (var marker in _issued) Kill(marker);
    }

    /// <summary>Live (non-zombie) processes with this exact argument; only processes a test started carry it.</summary>
    public static List<int> Alive(string argument)
    {
        var found = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            try
            {
                if (File.ReadAllText(Path.Combine(dir, "cmdline")).Split('\0').Contains(argument) &&
                    !File.ReadAllText(Path.Combine(dir, "stat")).Split(") ")[1].StartsWith('Z'))
                    found.Add(pid);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // ended while we looked
            }
        }
        return found;
    }

    public static void Kill(string argument)
    {
        foreach (var pid in Alive(argument)) Process.Start("kill", ["-KILL", pid.ToString()])!.WaitForExit();
    }
}
