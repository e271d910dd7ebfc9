using System.Diagnostics;
using System.Text.RegularExpressions;

namespace MetaCheck.Tests.Support;

/// <summary>
/// The one service's state in a Nagios-format status.dat, which both Nagios 4 and Icinga 2 (its
/// compat feature) write: state, hard or soft, attempt, plugin output, last check (epoch seconds).
/// </summary>
public sealed record ServiceStatus(int State, bool Hard, int Attempt, string Output, long LastCheck)
{
    /// <summary>The performance data the daemon kept from the last check (Nagios's $SERVICEPERFDATA$).</summary>
    public string Perfdata { get; init; } = "";

    public static ServiceStatus? Parse(string statusDat) => ParseAll(statusDat).Values.FirstOrDefault();

    /// <summary>Every service's state, by its service_description.</summary>
    public static Dictionary<string, ServiceStatus> ParseAll(string statusDat)
    {
        var all = new Dictionary<string, ServiceStatus>();
        foreach (Match block in Regex.Matches(statusDat, @"servicestatus \{(.*?)\n\s*\}", RegexOptions.Singleline))
        {
            string Field(string name) => Regex.Match(block.Groups[1].Value, $@"\n\s*{name}=(.*)").Groups[1].Value.Trim();
            all[Field("service_description")] = new ServiceStatus(int.Parse(Field("current_state")), Field("state_type") == "1",
                int.Parse(Field("current_attempt")), Field("plugin_output"), long.Parse(Field("last_check")))
                { Perfdata = Field("performance_data") };
        }
        return all;
    }

    /// <summary>
    /// Waits until the daemon has made its external command pipe: writing to the path before that would
    /// create a plain file the daemon never reads (seen on a loaded machine, where status.dat came first).
    /// </summary>
    public static void WaitForCommandPipe(string path, Process daemon, TimeSpan limit)
    {
        var clock = Stopwatch.StartNew();
        while (!(File.Exists(path) && IsFifo(path)))
        {
            if (daemon.HasExited) throw new InvalidOperationException($"the daemon exited with {daemon.ExitCode} before making {path}");
            if (clock.Elapsed > limit) throw new TimeoutException($"no command pipe {path} within {limit.TotalSeconds} s");
            Thread.Sleep(100);
        }
    }

    private static bool IsFifo(string path)
    {
        var stat = Process.Start(new ProcessStartInfo("stat", ["-c", "%F", path]) { RedirectStandardOutput = true })!;
        var type = stat.StandardOutput.ReadToEnd().Trim();
        stat.WaitForExit();
        return type == "fifo";
    }

    /// <summary>
    /// Reads <paramref name="statusFile"/> every 100 ms until the state satisfies <paramref name="condition"/>;
    /// fails with <paramref name="exited"/> if the daemon dies, with <paramref name="timedOut"/> after <paramref name="limit"/>.
    /// </summary>
    public static ServiceStatus WaitFor(string statusFile, Process daemon, TimeSpan limit, Func<ServiceStatus, bool> condition,
        Func<string> exited, Func<string> timedOut)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < limit)
        {
            if (daemon.HasExited) throw new InvalidOperationException(exited());
            if (File.Exists(statusFile) && Parse(File.ReadAllText(statusFile)) is { } s && condition(s)) return s;
            Thread.Sleep(100);
        }
        throw new TimeoutException(timedOut());
    }
}
