namespace MetaCheck.State;

/// <summary>
/// A `metacheck mute`: one check (by key), or every check of the store (<see cref="AllChecks"/>), from
/// <see cref="FromMs"/> (the time it was set, unless scheduled) until <see cref="UntilMs"/>.
/// <see cref="CheckRowId"/> is the row of the check it names, when listed by <see cref="StateStore.ActiveMutes"/>.
/// A host-wide mute (<see cref="HostMutes"/>) has <see cref="HostMatch"/>: empty for every check of every
/// user, else the text that names checks as `metacheck history` does (id prefix, identifier, part of the command).
/// </summary>
public sealed record Mute(string CheckKey, long UntilMs, string Reason, long FromMs, long? CheckRowId = null, string? HostMatch = null)
{
    /// <summary>The key of a mute that covers every check of the store, those not run yet included.</summary>
    public const string AllChecks = "";

    public bool IsHostWide => HostMatch is not null;

    public bool CoversAll => CheckKey == AllChecks && string.IsNullOrEmpty(HostMatch);

    public bool InForce(long nowMs) => FromMs <= nowMs && nowMs < UntilMs;

    /// <summary>Whether this mute covers the check (a store's mute: by key; a host-wide one: by name).</summary>
    public bool Covers(string key, string id, string identifier, string commandLine) => HostMatch switch
    {
        null => CheckKey == AllChecks || CheckKey == key,
        "" => true,
        var text => id.StartsWith(text, StringComparison.OrdinalIgnoreCase) || identifier == text || commandLine.Contains(text, StringComparison.Ordinal),
    };
}

/// <summary>Mutes live in a table of their own; a wrapper reads them once per run, outside its write transaction.</summary>
public sealed partial class StateStore
{
    private const string MutesSchema = """
        CREATE TABLE IF NOT EXISTS mutes (
            check_key TEXT PRIMARY KEY,
            until INTEGER NOT NULL,
            reason TEXT NOT NULL,
            created_at INTEGER NOT NULL
        );
        """;

    /// <summary>
    /// The mute in force for a check at <paramref name="nowMs"/>, the one lasting longest if several.
    /// `created_at` holds when a mute starts: when it was set, or the --from of a scheduled one.
    /// </summary>
    public Mute? ActiveMute(string checkKey, long nowMs) => Guard(() => _connection.First("""
        SELECT check_key, until, reason, created_at FROM mutes
        WHERE check_key IN ($key, $all) AND until > $now AND created_at <= $now ORDER BY until DESC LIMIT 1
        """, ReadMute, ("$key", checkKey), ("$all", Mute.AllChecks), ("$now", nowMs)));

    /// <summary>Every mute not over yet (in force or scheduled), store-wide first, with the row of the check each one names.</summary>
    public IReadOnlyList<Mute> ActiveMutes(long nowMs) => Guard(() => (IReadOnlyList<Mute>)_connection.Query("""
        SELECT m.check_key, m.until, m.reason, m.created_at, c.id FROM mutes m LEFT JOIN checks c ON c.key = m.check_key
        WHERE m.until > $now ORDER BY m.check_key <> '', m.until
        """, r => ReadMute(r) with { CheckRowId = r.NullableInt64(4) }, ("$now", nowMs)));

    /// <summary>
    /// The status the check last reported (what the server shows now), null before its first run. Read
    /// inside <see cref="Update{T}"/>'s decision, it is as of the write lock.
    /// </summary>
    public int? LastReportedStatus(string checkKey) => Guard(() =>
        _connection.First("SELECT last_status FROM checks WHERE key = $key", r => (int?)r.NullableInt64(0), ("$key", checkKey)));

    /// <summary>The key of a check listed by <see cref="ListChecks"/> (what a mute names).</summary>
    public string? CheckKey(long rowId) => Guard(() => _connection.First("SELECT key FROM checks WHERE id = $id", r => r.Text(0), ("$id", rowId)));

    /// <summary>Mutes (or re-mutes: the new start, end and reason replace the old) the given keys; expired mutes are dropped.</summary>
    public void SetMutes(IEnumerable<string> checkKeys, long fromMs, long untilMs, string reason, long nowMs) => Guard(() =>
    {
        using var tx = _connection.BeginImmediate();
        DropExpiredMutes(nowMs);
        foreach (var key in checkKeys)
        {
            _connection.Execute("""
                INSERT INTO mutes (check_key, until, reason, created_at) VALUES ($key, $until, $reason, $now)
                ON CONFLICT (check_key) DO UPDATE SET until = excluded.until, reason = excluded.reason, created_at = excluded.created_at
                """, ("$key", key), ("$until", untilMs), ("$reason", reason), ("$now", fromMs));
        }
        tx.Commit();
        return 0;
    });

    /// <summary>Lifts the mutes of the given keys (null: every mute); returns those that were in force.</summary>
    public IReadOnlyList<Mute> RemoveMutes(IReadOnlyCollection<string>? checkKeys, long nowMs) => Guard(() =>
    {
        using var tx = _connection.BeginImmediate();
        DropExpiredMutes(nowMs);
        const string Returning = "RETURNING check_key, until, reason, created_at";
        var removed = checkKeys is null
            ? _connection.Query($"DELETE FROM mutes {Returning}", ReadMute)
            : checkKeys.SelectMany(key => _connection.Query($"DELETE FROM mutes WHERE check_key = $key {Returning}", ReadMute, ("$key", key))).ToList();
        tx.Commit();
        return (IReadOnlyList<Mute>)removed;
    });

    private void DropExpiredMutes(long nowMs) => _connection.Execute("DELETE FROM mutes WHERE until <= $now", ("$now", nowMs));

    private static Mute ReadMute(SqliteRow row) => new(row.Text(0), row.Int64(1), row.Text(2), row.Int64(3));
}
