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
        Clock = SystemClock.Instance,
        GetEnv = Environment.GetEnvironmentVariable,
        Out = Console.Out,
        Err = Console.Error,
    };

    public long NowEpoch => Clock.GetCurrentInstant().ToUnixTimeSeconds();

    /// <summary>The per-user store, or null (with one line on stderr) when it cannot be used.</summary>
    public StateStore? Store(string plugin)
    {
        if (_store is not null || _storeFailed) return _store;
        try
        {
            var (dir, _) = StateDirectory.Resolve(null, GetEnv, Posix.EffectiveUserId);
            _store = StateStore.Open(dir);
            foreach (var notice in _store.Notices) Err.WriteLine($"metacheck: {plugin}: {notice}");
        }
        catch (Exception e) when (e is StateUnavailableException or IOException or UnauthorizedAccessException
                                  or Microsoft.Data.Sqlite.SqliteException)
        {
            _storeFailed = true;
            Err.WriteLine($"metacheck: {plugin}: {e.Message.TrimEnd('.')}; counters are not kept this run");
        }
        return _store;
    }
}
