namespace MetaCheck.State;

/// <summary>
/// State written before keys held the wrapper options (the previous release, schema 1). Migration step 2
/// gave those rows a key no run produces (`schema1:N`), because the options a check runs with are only
/// known when it runs. So the first run of a check whose key has no row adopts the legacy row of the same
/// wrapper, identifier and argv, once: its streak, open alert, cached result, runs and mutes carry over,
/// and a package upgrade in the middle of an outage changes nothing the server sees. Plugin samples
/// (kept under the previous release's key) move the same way in <see cref="UpdateValue{T}"/>.
/// </summary>
public sealed partial class StateStore
{
    private const string LegacyKeyPrefix = "schema1:";
    private readonly HashSet<string> _adoptionLooked = [];

    /// <summary>Gives <paramref name="id"/> the legacy row it continues, if it has no row of its own yet; at most one look per key and process.</summary>
    private void AdoptLegacy(CheckIdentity id)
    {
        if (!_adoptionLooked.Add(id.Key) || HasRow(id.Key) || LegacyRow(id) is null) return;
        using var tx = _connection.BeginImmediate();
        // Another run may have adopted it (or run the check) since: look again under the write lock.
        if (!HasRow(id.Key) && LegacyRow(id) is { } legacy) Adopt(id, legacy);
        tx.Commit();
    }

    /// <summary>As <see cref="AdoptLegacy"/>, inside a write transaction the caller holds.</summary>
    private void AdoptLegacyLocked(CheckIdentity id)
    {
        if (_adoptionLooked.Add(id.Key) && !HasRow(id.Key) && LegacyRow(id) is { } legacy) Adopt(id, legacy);
    }

    private bool HasRow(string key) => _connection.First("SELECT 1 FROM checks WHERE key = $key", _ => true, ("$key", key));

    /// <summary>
    /// The oldest legacy row of the same wrapper, identifier and argv. Its argv was redacted when it was
    /// migrated; redacting it again with today's rules compares it with today's redacted argv.
    /// </summary>
    private (long Id, string Key)? LegacyRow(CheckIdentity id)
    {
        var rows = _connection.Query(
            "SELECT id, key, argv FROM checks WHERE key GLOB $prefix AND wrapper = $wrapper AND identifier = $identifier ORDER BY id",
            r => (Id: r.Int64(0), Key: r.Text(1), Argv: r.Text(2)),
            ("$prefix", LegacyKeyPrefix + "*"), ("$wrapper", id.Wrapper), ("$identifier", id.Identifier));
        foreach (var row in rows)
        {
            if (Secrets.Redact(ParseArgv(row.Argv)).SequenceEqual(id.Command)) return (row.Id, row.Key);
        }
        return null;
    }

    private void Adopt(CheckIdentity id, (long Id, string Key) legacy)
    {
        _connection.Execute("""
            UPDATE checks SET key = $key, short_id = $short, command = $command, argv = $argv, options = $options WHERE id = $id;
            UPDATE OR REPLACE mutes SET check_key = $key WHERE check_key = $legacy;
            """,
            ("$key", id.Key), ("$short", id.Id), ("$command", id.CommandLine), ("$argv", ArgvJson(id.Command)),
            ("$options", id.OptionsLine), ("$id", legacy.Id), ("$legacy", legacy.Key));
    }

    /// <summary>The mute in force for a check (after adopting its legacy row, whose mute it then carries).</summary>
    public Mute? ActiveMute(CheckIdentity id, long nowMs)
    {
        Guard(() => { AdoptLegacy(id); return 0; });
        return ActiveMute(id.Key, nowMs);
    }
}
