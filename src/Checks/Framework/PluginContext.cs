using MetaCheck.Core;
using MetaCheck.State;
using NodaTime;

namespace MetaCheck.Checks.Framework;

/// <summary>Everything a plugin reads from the outside world; tests build one around fixtures.</summary>
public sealed class PluginContext
{
    private StateStore? _store;
    private bool _storeFailed;

    public required HostPaths Paths { get; init; }
    public required ICommandRunner Runner { get; init; }
    public required IClock Clock { get; init; }
    public required Func<string, string?> GetEnv { get; init; }
    public required TextWriter Out { get; init; }
    public required TextWriter Err { get; init; }

    public static PluginContext System() => new()
    {
        Paths = HostPaths.FromEnvironment(Environment.GetEnvironmentVariable),
        Runner = ProcessRunner.Instance,
        Clock = UtcClock.Instance,
        GetEnv = Environment.GetEnvironmentVariable,
        Out = Console.Out,
        Err = Console.Error,
    };

    /// <summary>Why <see cref="Store"/> returned null, once it has.</summary>
    public string? StoreProblem { get; private set; }

    public long NowEpoch => Clock.GetCurrentInstant().ToUnixTimeSeconds();

    /// <summary>The per-user store, or null (with one line on stderr) when it cannot be used.</summary>
    public StateStore? Store(string plugin)
    {
        if (_store is not null || _storeFailed) return _store;
        _store = StateStore.TryOpenForUser(null, GetEnv, StateStore.DefaultKeepRuns, Err, plugin, "counters are not kept this run", out var problem);
        StoreProblem = problem;
        _storeFailed = _store is null;
        return _store;
    }
}
