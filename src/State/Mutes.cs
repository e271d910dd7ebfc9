namespace MetaCheck.State;

/// <summary>
/// A `metacheck mute`: one check (by key), or every check of the store (<see cref="AllChecks"/>).
/// <see cref="CheckRowId"/> is the row of the check it names, when listed by <see cref="StateStore.ActiveMutes"/>.
/// </summary>
public sealed record Mute(string CheckKey, long UntilMs, string Reason, long CreatedAtMs, long? CheckRowId = null)
{
    /// <summary>The key of a mute that covers every check of the store, those not run yet included.</summary>
    public const string AllChecks = "";

    public bool CoversAll => CheckKey == AllChecks;
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

    /// <summary>The mute in force for a check at <paramref name="nowMs"/>, the one lasting longest if several.</summary>
    public Mute? ActiveMute(string checkKey, long nowMs) => Guard(() =>
    {
        using var cmd = Command("""
            SELECT check_key, until, reason, created_at FROM mutes
            WHERE check_key IN ($key, $all) AND until > $now ORDER BY until DESC LIMIT 1
            """, null);
        cmd.Parameters.AddWithValue("$key", checkKey);
        cmd.Parameters.AddWithValue("$all", Mute.AllChecks);
        cmd.Parameters.AddWithValue("$now", nowMs);
        using var reader = cmd.ExecuteReader();
        return reader.Read() ? ReadMute(reader) : null;
    });

    /// <summary>Every mute still in force, store-wide first, with the row of the check each one names.</summary>
    public IReadOnlyList<Mute> ActiveMutes(long nowMs) => Guard(() =>
    {
        using var cmd = Command("""
            SELECT m.check_key, m.until, m.reason, m.created_at, c.id FROM mutes m LEFT JOIN checks c ON c.key = m.check_key
            WHERE m.until > $now ORDER BY m.check_key <> '', m.until
            """, null);
        cmd.Parameters.AddWithValue("$now", nowMs);
        using var reader = cmd.ExecuteReader();
        var list = new List<Mute>();
        while (reader.Read()) list.Add(ReadMute(reader) with { CheckRowId = reader.IsDBNull(4) ? null : reader.GetInt64(4) });
        return (IReadOnlyList<Mute>)list;
    });

    /// <summary>The key of a check listed by <see cref="ListChecks"/> (what a mute names).</summary>
    public string? CheckKey(long rowId) => Guard(() =>
    {
        using var cmd = Command("SELECT key FROM checks WHERE id = $id", null);
        cmd.Parameters.AddWithValue("$id", rowId);
        return cmd.ExecuteScalar() as string;
    });

    /// <summary>Mutes (or re-mutes: the new end and reason replace the old) the given keys; expired mutes are dropped.</summary>
    public void SetMutes(IEnumerable<string> checkKeys, long untilMs, string reason, long nowMs) => Guard(() =>
    {
        using var tx = _connection.BeginTransaction(deferred: false);
        DropExpiredMutes(nowMs, tx);
        foreach (var key in checkKeys)
        {
            using var cmd = Command("""
                INSERT INTO mutes (check_key, until, reason, created_at) VALUES ($key, $until, $reason, $now)
                ON CONFLICT (check_key) DO UPDATE SET until = excluded.until, reason = excluded.reason, created_at = excluded.created_at
                """, tx);
            cmd.Parameters.AddWithValue("$key", key);
            cmd.Parameters.AddWithValue("$until", untilMs);
            cmd.Parameters.AddWithValue("$reason", reason);
            cmd.Parameters.AddWithValue("$now", nowMs);
            cmd.ExecuteNonQuery();
        }
        tx.Commit();
        return 0;
    });

    /// <summary>Lifts the mutes of the given keys (null: every mute); returns those that were in force.</summary>
    public IReadOnlyList<Mute> RemoveMutes(IReadOnlyCollection<string>? checkKeys, long nowMs) => Guard(() =>
    {
        using var tx = _connection.BeginTransaction(deferred: false);
        DropExpiredMutes(nowMs, tx);
        using var cmd = Command("DELETE FROM mutes RETURNING check_key, until, reason, created_at", tx);
        var removed = new List<Mute>();
        if (checkKeys is null)
        {
            using var reader = cmd.ExecuteReader();
            while (reader.Read()) removed.Add(ReadMute(reader));
        }
        else
        {
            cmd.CommandText = "DELETE FROM mutes WHERE check_key = $key RETURNING check_key, until, reason, created_at";
            var key = cmd.Parameters.Add("$key", Microsoft.Data.Sqlite.SqliteType.Text);
            foreach (var k in checkKeys)
            {
                key.Value = k;
                using var reader = cmd.ExecuteReader();
                while (reader.Read()) removed.Add(ReadMute(reader));
            }
        }
        tx.Commit();
        return (IReadOnlyList<Mute>)removed;
    });

    private void DropExpiredMutes(long nowMs, Microsoft.Data.Sqlite.SqliteTransaction tx)
    {
        using var cmd = Command("DELETE FROM mutes WHERE until <= $now", tx);
        cmd.Parameters.AddWithValue("$now", nowMs);
        cmd.ExecuteNonQuery();
    }

    private static Mute ReadMute(Microsoft.Data.Sqlite.SqliteDataReader reader) =>
        new(reader.GetString(0), reader.GetInt64(1), reader.GetString(2), reader.GetInt64(3));
}
