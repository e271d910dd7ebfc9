namespace MetaCheck.State;

public sealed partial class StateStore
{
    /// <summary>
    /// Step 4: secrets the rules before it missed (URL credentials, `curl -u`, headers, `sshpass -p`, SNMP
    /// communities, `MYSQL_PWD=`, MySQL behind sudo or sh -c, ...) are redacted in every row, and scrubbed
    /// out of the runs and cached results kept. A row's key becomes the key today's runs of the same check
    /// compute, so its streak, alert, cache and mute carry on; should two rows now share a key (they
    /// differed only in a secret), the one run last keeps it and the other keeps its history under a
    /// key no run produces, as schema 1's rows did.
    /// </summary>
    private static void RedactAgain(SqliteDb connection)
    {
        var rows = connection.Query("SELECT id, key, argv FROM checks ORDER BY coalesce(last_run_at, 0) DESC, id DESC",
            r => (Id: r.Int64(0), Key: r.Text(1), Argv: ParseArgv(r.Text(2))));
        var taken = rows.Select(r => r.Key).ToHashSet(StringComparer.Ordinal);
        foreach (var row in rows)
        {
            var identity = IdentityOf(row.Key, out var raw);
            var argv = Secrets.Redact(row.Argv);
            if (argv.SequenceEqual(row.Argv) && (identity is null || identity.Key == row.Key)) continue;
            connection.Execute("UPDATE checks SET argv = $argv, command = $command WHERE id = $id",
                ("$argv", ArgvJson(argv)), ("$command", ShellQuote.Join(argv)), ("$id", row.Id));
            if (identity is not null && identity.Key != row.Key)
            {
                var key = taken.Contains(identity.Key) ? $"redacted:{row.Id}" : identity.Key;
                connection.Execute("UPDATE checks SET key = $key, short_id = $short WHERE id = $id",
                    ("$key", key), ("$short", CheckIdentity.ShortId(key)), ("$id", row.Id));
                connection.Execute("UPDATE mutes SET check_key = $key WHERE check_key = $old", ("$key", key), ("$old", row.Key));
                taken.Remove(row.Key);
                taken.Add(key);
            }
            ScrubOutputs(connection, row.Id, Secrets.Find([.. row.Argv, .. raw]));
        }
    }

    /// <summary>The identity a key was made from (wrapper, identifier, options, argv as stored), or null for a key no run produces.</summary>
    private static CheckIdentity? IdentityOf(string key, out IReadOnlyList<string> argv)
    {
        argv = [];
        var parts = CheckIdentity.ParseKey(key);
        if (parts is not { Count: >= 3 } || !int.TryParse(parts[2], out var options) || options < 0 || parts.Count < 3 + options) return null;
        argv = parts[(3 + options)..];
        return new CheckIdentity(parts[0], parts[1], argv, parts[3..(3 + options)]);
    }

    private static void ScrubOutputs(SqliteDb connection, long checkId, Redaction redaction)
    {
        if (redaction.Values.Count == 0) return;
        foreach (var (id, output) in connection.Query("SELECT id, output FROM runs WHERE check_id = $id", r => (r.Int64(0), r.Blob(1)), ("$id", checkId)))
        {
            var scrubbed = redaction.Scrub(output);
            if (scrubbed != output) connection.Execute("UPDATE runs SET output = $output WHERE id = $id", ("$output", scrubbed), ("$id", id));
        }
        var cached = connection.First("SELECT cached_output FROM checks WHERE id = $id AND cached_output IS NOT NULL", r => r.Blob(0), ("$id", checkId));
        if (cached is not null && redaction.Scrub(cached) is var clean && clean != cached)
            connection.Execute("UPDATE checks SET cached_output = $output WHERE id = $id", ("$output", clean), ("$id", checkId));
    }
}
