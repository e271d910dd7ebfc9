using MetaCheck.State;

namespace MetaCheck.Wrappers;

/// <summary>A store of one user on this host, as root finds it.</summary>
public sealed record UserStore(string User, string Directory);

/// <summary>
/// The stores of every user whose checks run on this host, for root's host-wide commands: root's own,
/// those of the users Icinga 2 and Nagios run checks as (their home), and every user's directory in
/// mackerel-agent's shared work directory (`user = ...` checks) and in /var/tmp (users without a home).
/// </summary>
public static class HostStores
{
    /// <summary>The users agents run checks as, and which setup uses each (what `metacheck doctor` reports on).</summary>
    public static readonly IReadOnlyList<(string User, string Setup)> AgentUsers =
        [("nagios", "Icinga 2/Nagios as Debian starts them"), ("icinga", "Icinga 2 as its RPM starts it")];

    public const string DefaultAgentWorkdir = "/var/tmp/mackerel-agent";

    /// <summary>Root naming no store (no --state-dir, no $METACHECK_STATE_DIR) means every user's checks on the host.</summary>
    public static bool RootWithoutStore(string? explicitDir, Func<string, string?> env) =>
        Posix.EffectiveUserId == 0 && explicitDir is null && string.IsNullOrEmpty(env(StateDirectory.EnvVar));

    public static string AgentWorkdir(Func<string, string?> env) =>
        env("MACKEREL_PLUGIN_WORKDIR") is { Length: > 0 } w ? w : DefaultAgentWorkdir;

    /// <summary>The directories that may hold a store, each once, labelled with the user it belongs to.</summary>
    public static IReadOnlyList<UserStore> Find(Func<string, string?> env)
    {
        var found = new List<UserStore>();
        void Add(string user, string dir)
        {
            var full = Path.GetFullPath(dir);
            if (!found.Any(s => s.Directory == full)) found.Add(new UserStore(user, full));
        }
        Add("root", StateDirectory.Resolve(null, env, 0).Path);
        Add("root", StateDirectory.Resolve(null, _ => null, 0).Path);
        foreach (var (user, _) in AgentUsers)
            if (Posix.User(user) is { } account)
                Add(user, StateDirectory.Resolve(null, _ => null, account.Uid, _ => account.Home).Path);
        // The agent's work directory, and /var/tmp where users without a home keep theirs; a user whose
        // name was taken there has a `uid.*` directory of its own.
        foreach (var parent in new[] { AgentWorkdir(env), StateDirectory.NoHomeParent })
            foreach (var (uid, dir) in StateDirectory.PerUserDirectories(parent))
                Add(Posix.UserName(uid) ?? $"uid{uid}", dir);
        return found;
    }
}
