using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace MetaCheck.State;

/// <summary>
/// One SQLite file per user (WAL). Every change is a single BEGIN IMMEDIATE transaction, so runs of
/// the same check that overlap are serialised by SQLite and never lose an update; a process killed
/// mid-write leaves the last committed state, which WAL recovers on the next open.
/// </summary>
public sealed partial class StateStore : IDisposable
{
    public const string FileName = "metacheck.db";
    public const int DefaultKeepRuns = 1000;
    private static readonly TimeSpan LockWait = TimeSpan.FromSeconds(3);

    /// <summary>Checks not run for this long are dropped with their runs (<see cref="Maintain"/>); $METACHECK_FORGET_AFTER overrides it.</summary>
    public static readonly TimeSpan DefaultForgetAfter = TimeSpan.FromDays(90);
    private const int SqliteDbConfigNoCheckpointOnClose = 1006;

    /// <summary>Past this size the WAL is copied into the database and truncated (see <see cref="TruncateLargeWal"/>).</summary>
    public const long WalLimitBytes = 512 * 1024;

    private SqliteConnection _connection;

    private StateStore(string path, SqliteConnection connection, int keepRuns, bool readOnly = false)
    {
        DatabasePath = path;
        _connection = connection;
        KeepRuns = keepRuns;
        ReadOnly = readOnly;
    }

    public string DatabasePath { get; }
    public int KeepRuns { get; }
    public bool ReadOnly { get; }

    /// <summary>How long a check may go without a run before <see cref="Maintain"/> forgets it; null never.</summary>
    public TimeSpan? ForgetAfter { get; set; } = DefaultForgetAfter;

    /// <summary>Lines for stderr about repairs done while opening (a corrupt file moved aside).</summary>
    public List<string> Notices { get; } = [];

    public static StateStore Open(string directory, int keepRuns = DefaultKeepRuns) =>
        Open(new StateLocation(directory, "--state-dir"), keepRuns);

    public static StateStore Open(StateLocation location, int keepRuns = DefaultKeepRuns)
    {
        if (keepRuns < 1) throw new ArgumentOutOfRangeException(nameof(keepRuns));
        StateDirectory.EnsurePrivate(location);
        var path = Path.Combine(location.Path, FileName);
        var notices = new List<string>();
        SqliteConnection connection;
        try
        {
            try
            {
                connection = Connect(path);
            }
            catch (SqliteException e) when (IsCorruption(e))
            {
                notices.Add(Quarantine(path, e));
                connection = Connect(path);
            }
        }
        catch (SqliteException e)
        {
            throw Unavailable(path, e);
        }
        var store = new StateStore(path, connection, keepRuns);
        store.Notices.AddRange(notices);
        return store;
    }

    /// <summary>
    /// For status, history and doctor: the store in <paramref name="directory"/> opened read-only, whoever
    /// owns it (root may read any user's), never created, repaired or written. Null when there is none yet.
    /// </summary>
    public static StateStore? OpenReadOnly(string directory)
    {
        var path = StateDirectory.ExistingStoreFile(directory);
        if (path is null) return null;
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = path, Mode = SqliteOpenMode.ReadOnly, Pooling = false, DefaultTimeout = 1,
        }.ToString());
        try
        {
            connection.Open();
            Execute(connection, $"PRAGMA busy_timeout = {(int)LockWait.TotalMilliseconds}");
            long version = Scalar<long>(connection, "PRAGMA user_version");
            CheckVersion(path, version);
            if (version < Steps.Length)
            {
                // Written by an older metacheck: its owner upgrades it (as any wrapper run would); others cannot read it yet.
                connection.Dispose();
                if (Posix.LStat(path) is { } owner && owner.OwnerId == Posix.EffectiveUserId) return Open(directory);
                throw new StateUnavailableException(
                    $"state store {path} was written by an older metacheck (schema {version}); the next wrapper run of its owner upgrades it");
            }
            return new StateStore(path, connection, DefaultKeepRuns, readOnly: true);
        }
        catch (SqliteException e)
        {
            connection.Dispose();
            throw new StateUnavailableException($"cannot read state store {path}: {e.Message}", e);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>Failures that make the store unusable for this run; callers fail open.</summary>
    public static bool IsUnusable(Exception e) =>
        e is StateUnavailableException or IOException or UnauthorizedAccessException or SqliteException;

    /// <summary>
    /// The current user's store, or null after one line on stderr naming the problem and what the
    /// caller does without the store (<paramref name="without"/>).
    /// </summary>
    public static StateStore? TryOpenForUser(string? explicitDir, Func<string, string?> env, int keepRuns, TextWriter err,
        string who, string without) => TryOpenForUser(explicitDir, env, keepRuns, err, who, without, out _);

    /// <summary>As above; <paramref name="problem"/> says why there is no store (for the wrapper's own output).</summary>
    public static StateStore? TryOpenForUser(string? explicitDir, Func<string, string?> env, int keepRuns, TextWriter err,
        string who, string without, out string? problem)
    {
        problem = null;
        try
        {
            var location = StateDirectory.Resolve(explicitDir, env, Posix.EffectiveUserId);
            var store = Open(location, keepRuns);
            store.FlushNotices(err, who);
            return store;
        }
        catch (Exception e) when (IsUnusable(e))
        {
            problem = e.Message.TrimEnd('.');
            err.WriteLine($"metacheck: {who}: {problem}; {without}");
            return null;
        }
    }

    /// <summary>Writes (once) the repairs done so far, such as a corrupt file moved aside.</summary>
    public void FlushNotices(TextWriter err, string who)
    {
        foreach (var notice in Notices) err.WriteLine($"metacheck: {who}: {notice}");
        Notices.Clear();
    }

    private static SqliteConnection Connect(string path)
    {
        StateDirectory.EnsurePrivateFile(path);
        // Left by an older metacheck or a sqlite3 session under another umask: tightened, never trusted.
        StateDirectory.EnsurePrivateFile(path + "-wal", create: false);
        StateDirectory.EnsurePrivateFile(path + "-shm", create: false);
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWrite,
            Pooling = false,
            // Microsoft.Data.Sqlite retries a busy statement until this many seconds have passed, on top
            // of SQLite's own busy_timeout: the smallest value makes the wait busy_timeout alone (3 s, not 6).
            DefaultTimeout = 1,
        }.ToString());
        try
        {
            connection.Open();
            // A run is short: checkpointing the WAL into the database (and deleting it) on every
            // close would cost an fsync per run. SQLite's auto-checkpoint is off too: it cannot bound
            // the WAL here (see TruncateLargeWal); the run that finds the WAL large does it instead.
            SQLitePCL.raw.sqlite3_db_config(connection.Handle, SqliteDbConfigNoCheckpointOnClose, 1, out _);
            SQLitePCL.raw.sqlite3_busy_timeout(connection.Handle, (int)LockWait.TotalMilliseconds);
            // The first statement that needs the file's lock runs alone: in one multi-statement command
            // a locked store cost a full wait in a pragma, and then another in the next statement (6 s).
            Migrate(connection, path);
            Execute(connection, "PRAGMA synchronous = NORMAL");
            Execute(connection, "PRAGMA wal_autocheckpoint = 0");
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The schema, as the ordered steps that build it; `PRAGMA user_version` is the number of steps
    /// applied. A step is never changed once released: a change is a new step at the end.
    /// </summary>
    private static readonly Action<SqliteConnection, SqliteTransaction>[] Steps =
    [
        CreateTables,          // 1
        DescribeAndRedact,     // 2: argv as a list, the options in the key, secrets out of older rows
        HoldAndMute,           // 3: delay-checker --recover and metacheck mute
    ];

    private static void CheckVersion(string path, long version)
    {
        if (version > Steps.Length)
            throw new StateUnavailableException(
                $"state store {path} has schema version {version}, newer than this metacheck knows ({Steps.Length}); upgrade metacheck or use another --state-dir");
    }

    private static void Migrate(SqliteConnection connection, string path)
    {
        long version = Scalar<long>(connection, "PRAGMA user_version");
        CheckVersion(path, version);
        if (version == Steps.Length) return;
        // WAL is a property of the file: set once, before any transaction.
        if (version == 0) Execute(connection, "PRAGMA journal_mode = WAL");
        // What a step rewrites (secrets, by step 2) must not linger in freed space, nor in the WAL.
        Execute(connection, "PRAGMA secure_delete = ON");
        using (var tx = connection.BeginTransaction(deferred: false))
        {
            version = Scalar<long>(connection, "PRAGMA user_version"); // another process may have migrated meanwhile
            CheckVersion(path, version);
            for (long step = version; step < Steps.Length; step++)
            {
                Steps[step](connection, tx);
                Execute(connection, $"PRAGMA user_version = {step + 1}", tx);
            }
            tx.Commit();
        }
        Execute(connection, "PRAGMA secure_delete = OFF");
        if (version > 0) TryCheckpoint(connection);
    }

    /// <summary>Copies the WAL into the database and empties it; gives up at once if other runs hold the store.</summary>
    private static void TryCheckpoint(SqliteConnection connection)
    {
        try
        {
            Execute(connection, "PRAGMA busy_timeout = 100");
            using var checkpoint = connection.CreateCommand();
            checkpoint.CommandText = "PRAGMA wal_checkpoint(TRUNCATE)";
            checkpoint.ExecuteNonQuery();
        }
        catch (SqliteException)
        {
            // Only tidying: the data is committed either way.
        }
        finally
        {
            Execute(connection, $"PRAGMA busy_timeout = {(int)LockWait.TotalMilliseconds}");
        }
    }

    private static void CreateTables(SqliteConnection connection, SqliteTransaction tx) => Execute(connection, """
        CREATE TABLE IF NOT EXISTS checks (
            id INTEGER PRIMARY KEY,
            key TEXT NOT NULL UNIQUE,
            short_id TEXT NOT NULL,
            wrapper TEXT NOT NULL,
            identifier TEXT NOT NULL,
            command TEXT NOT NULL,
            streak INTEGER NOT NULL DEFAULT 0,
            alerting INTEGER NOT NULL DEFAULT 0,
            threshold INTEGER,
            window INTEGER,
            last_run_at INTEGER,
            last_status INTEGER,
            last_outcome INTEGER,
            runs_total INTEGER NOT NULL DEFAULT 0,
            cached_at INTEGER,
            cached_status INTEGER,
            cached_output BLOB
        );
        CREATE TABLE IF NOT EXISTS runs (
            id INTEGER PRIMARY KEY,
            check_id INTEGER NOT NULL REFERENCES checks (id),
            started_at INTEGER NOT NULL,
            duration_ms INTEGER NOT NULL,
            inner_exit INTEGER,
            status INTEGER NOT NULL,
            outcome INTEGER NOT NULL,
            failed INTEGER,
            output BLOB NOT NULL
        );
        CREATE INDEX IF NOT EXISTS runs_by_check ON runs (check_id, id);
        CREATE TABLE IF NOT EXISTS plugin_values (
            namespace TEXT NOT NULL,
            name TEXT NOT NULL,
            value BLOB NOT NULL,
            updated_at INTEGER NOT NULL,
            PRIMARY KEY (namespace, name)
        );
        """, tx);

    /// <summary>
    /// Step 3: delay-checker --recover keeps the status an open alert holds and the successes in a row
    /// since (no row needs them yet: step 2 gave every older check a key no run produces). Mutes: see Mutes.cs.
    /// </summary>
    private static void HoldAndMute(SqliteConnection connection, SqliteTransaction tx) => Execute(connection, $"""
        ALTER TABLE checks ADD COLUMN held_status INTEGER;
        ALTER TABLE checks ADD COLUMN ok_streak INTEGER NOT NULL DEFAULT 0;
        {MutesSchema}
        """, tx);

    /// <summary>
    /// Step 2: `argv` (a JSON array, secrets redacted), `options` (the wrapper options in the key) and
    /// `reset_after` (runs up to this id no longer count towards --within, after `metacheck reset`).
    /// Rows of schema 1 keep their history, with secrets redacted and a key no new run produces
    /// (keys now hold the options): they are shown, and forgotten once they have not run for a while.
    /// </summary>
    private static void DescribeAndRedact(SqliteConnection connection, SqliteTransaction tx)
    {
        Execute(connection, """
            ALTER TABLE checks ADD COLUMN argv TEXT NOT NULL DEFAULT '[]';
            ALTER TABLE checks ADD COLUMN options TEXT NOT NULL DEFAULT '';
            ALTER TABLE checks ADD COLUMN reset_after INTEGER NOT NULL DEFAULT 0;
            """, tx);
        var rows = new List<(long Id, string Key)>();
        using (var read = connection.CreateCommand())
        {
            read.Transaction = tx;
            read.CommandText = "SELECT id, key FROM checks";
            using var reader = read.ExecuteReader();
            while (reader.Read()) rows.Add((reader.GetInt64(0), reader.GetString(1)));
        }
        foreach (var (id, key) in rows)
        {
            var parts = CheckIdentity.ParseKey(key);
            var argv = parts is { Count: >= 2 } ? Secrets.Redact(parts[2..]) : [];
            using var update = connection.CreateCommand();
            update.Transaction = tx;
            update.CommandText = "UPDATE checks SET key = $key, command = $command, argv = $argv WHERE id = $id";
            update.Parameters.AddWithValue("$key", $"schema1:{id}");
            update.Parameters.AddWithValue("$command", ShellQuote.Join(argv));
            update.Parameters.AddWithValue("$argv", ArgvJson(argv));
            update.Parameters.AddWithValue("$id", id);
            update.ExecuteNonQuery();
        }
    }

    /// <summary>
    /// argv as a JSON array of strings. Written here rather than by Utf8JsonWriter, whose default encoder
    /// builds its escaping tables on first use (about 0.5 ms of every wrapper run); a JSON string only
    /// needs quotes, backslashes and control characters escaped.
    /// </summary>
    public static string ArgvJson(IReadOnlyList<string> argv)
    {
        var json = new StringBuilder("[");
        foreach (var arg in argv)
        {
            if (json.Length > 1) json.Append(',');
            json.Append('"');
            foreach (char c in arg)
            {
                switch (c)
                {
                    case '"': json.Append("\\\""); break;
                    case '\\': json.Append("\\\\"); break;
                    case < ' ': json.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture)); break;
                    default: json.Append(c); break;
                }
            }
            json.Append('"');
        }
        return json.Append(']').ToString();
    }

    private static IReadOnlyList<string> ParseArgv(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return doc.RootElement.EnumerateArray().Select(e => e.GetString() ?? "").ToList();
    }

    /// <summary>Current state without taking the write lock (interval-checker's replay test).</summary>
    public CheckState Read(CheckIdentity id, int recentRuns = 0) => Guard(() => ReadState(id.Key, recentRuns, null));

    /// <summary>
    /// Atomic read-decide-write: <paramref name="decide"/> sees the state as of the write lock, and its
    /// update is committed before any other run can read. Returns what the decision returned.
    /// </summary>
    public T Update<T>(CheckIdentity id, int recentRuns, Func<CheckState, (CheckUpdate Update, T Result)> decide) => Guard(() =>
    {
        using var tx = _connection.BeginTransaction(deferred: false);
        var (update, result) = decide(ReadState(id.Key, recentRuns, tx));
        Write(id, update, tx);
        tx.Commit();
        TruncateLargeWal(update.Run.StartedAtMs);
        return result;
    });

    /// <summary>
    /// Every run is a new process, and the first connection of a process rebuilds SQLite's WAL index by
    /// reading the whole WAL, forgetting how much of it was already checkpointed. So an automatic
    /// (passive) checkpoint never lets the WAL start over: it grew without bound, and every run read
    /// all of it and checkpointed it again. Instead the run that finds the WAL past
    /// <see cref="WalLimitBytes"/> copies it into the database and truncates it (one fsync'd checkpoint
    /// every few dozen runs). If other runs hold the store it gives up soon (at most 1 s); a later run does it.
    /// The same run first forgets the checks not run for <see cref="ForgetAfter"/>, so an argv that
    /// changed (a new host, a new threshold) does not keep its old check forever.
    /// </summary>
    private void TruncateLargeWal(long nowMs)
    {
        try
        {
            if (new FileInfo(DatabasePath + "-wal").Length < WalLimitBytes) return;
            Execute(_connection, "PRAGMA busy_timeout = 100");
            if (ForgetAfter is { } age) ForgetWhere("coalesce(last_run_at, 0) < $arg", nowMs - (long)age.TotalMilliseconds);
            try
            {
                using var checkpoint = _connection.CreateCommand();
                checkpoint.CommandText = "PRAGMA wal_checkpoint(TRUNCATE)";
                checkpoint.CommandTimeout = 1; // Microsoft.Data.Sqlite retries SQLITE_BUSY for this long
                checkpoint.ExecuteNonQuery();
            }
            finally
            {
                Execute(_connection, $"PRAGMA busy_timeout = {(int)LockWait.TotalMilliseconds}");
            }
        }
        catch (Exception e) when (e is SqliteException or IOException)
        {
            // The update is committed and safe in the WAL; only the tidying is left for later.
        }
    }

    private CheckState ReadState(string key, int recentRuns, SqliteTransaction? tx)
    {
        using var cmd = Command("SELECT id, streak, alerting, cached_at, cached_status, cached_output, reset_after, held_status, ok_streak FROM checks WHERE key = $key", tx);
        cmd.Parameters.AddWithValue("$key", key);
        long checkId, streak, resetAfter, okStreak; bool alerting; CachedResult? cached = null; int? heldStatus;
        using (var reader = cmd.ExecuteReader())
        {
            if (!reader.Read()) return CheckState.Empty;
            checkId = reader.GetInt64(0);
            streak = reader.GetInt64(1);
            alerting = reader.GetInt64(2) != 0;
            if (!reader.IsDBNull(3))
                cached = new CachedResult(reader.GetInt64(3), (int)reader.GetInt64(4), reader.IsDBNull(5) ? [] : (byte[])reader.GetValue(5));
            resetAfter = reader.GetInt64(6);
            heldStatus = reader.IsDBNull(7) ? null : (int)reader.GetInt64(7);
            okStreak = reader.GetInt64(8);
        }
        var recent = new List<bool>();
        if (recentRuns > 0)
        {
            using var runs = Command("SELECT failed FROM runs WHERE check_id = $check AND id > $reset AND failed IS NOT NULL ORDER BY id DESC LIMIT $n", tx);
            runs.Parameters.AddWithValue("$check", checkId);
            runs.Parameters.AddWithValue("$reset", resetAfter);
            runs.Parameters.AddWithValue("$n", recentRuns);
            using var reader = runs.ExecuteReader();
            while (reader.Read()) recent.Add(reader.GetInt64(0) != 0);
        }
        return new CheckState(streak, alerting, cached, recent, heldStatus, okStreak);
    }

    private void Write(CheckIdentity id, CheckUpdate update, SqliteTransaction tx)
    {
        var run = update.Run;
        var cacheSql = update.Cache switch
        {
            CacheChange.Set => ", cached_at = $cached_at, cached_status = $cached_status, cached_output = $cached_output",
            CacheChange.Clear => ", cached_at = NULL, cached_status = NULL, cached_output = NULL",
            _ => "",
        };
        long checkId;
        using (var upsert = Command($"""
            INSERT INTO checks (key, short_id, wrapper, identifier, command, argv, options)
                VALUES ($key, $short, $wrapper, $identifier, $command, $argv, $options)
            ON CONFLICT (key) DO NOTHING;
            UPDATE checks SET streak = $streak, alerting = $alerting, threshold = $threshold, window = $window,
                last_run_at = $started, last_status = $status, last_outcome = $outcome, runs_total = runs_total + 1,
                held_status = $held_status, ok_streak = $ok_streak
                {cacheSql}
            WHERE key = $key
            RETURNING id;
            """, tx))
        {
            upsert.Parameters.AddWithValue("$key", id.Key);
            upsert.Parameters.AddWithValue("$short", id.Id);
            upsert.Parameters.AddWithValue("$wrapper", id.Wrapper);
            upsert.Parameters.AddWithValue("$identifier", id.Identifier);
            upsert.Parameters.AddWithValue("$command", id.CommandLine);
            upsert.Parameters.AddWithValue("$argv", ArgvJson(id.Command));
            upsert.Parameters.AddWithValue("$options", id.OptionsLine);
            upsert.Parameters.AddWithValue("$streak", update.Streak);
            upsert.Parameters.AddWithValue("$alerting", update.Alerting ? 1 : 0);
            upsert.Parameters.AddWithValue("$threshold", (object?)update.Threshold ?? DBNull.Value);
            upsert.Parameters.AddWithValue("$window", (object?)update.Window ?? DBNull.Value);
            upsert.Parameters.AddWithValue("$started", run.StartedAtMs);
            upsert.Parameters.AddWithValue("$status", run.Status);
            upsert.Parameters.AddWithValue("$outcome", (int)run.Outcome);
            upsert.Parameters.AddWithValue("$held_status", (object?)update.HeldStatus ?? DBNull.Value);
            upsert.Parameters.AddWithValue("$ok_streak", update.OkStreak);
            if (update.Cache == CacheChange.Set && update.NewCache is { } c)
            {
                upsert.Parameters.AddWithValue("$cached_at", c.AtMs);
                upsert.Parameters.AddWithValue("$cached_status", c.Status);
                upsert.Parameters.AddWithValue("$cached_output", c.Output);
            }
            checkId = (long)upsert.ExecuteScalar()!;
        }

        using (var insert = Command("""
            INSERT INTO runs (check_id, started_at, duration_ms, inner_exit, status, outcome, failed, output)
            VALUES ($check, $started, $duration, $exit, $status, $outcome, $failed, $output)
            """, tx))
        {
            insert.Parameters.AddWithValue("$check", checkId);
            insert.Parameters.AddWithValue("$started", run.StartedAtMs);
            insert.Parameters.AddWithValue("$duration", run.DurationMs);
            insert.Parameters.AddWithValue("$exit", (object?)run.InnerExit ?? DBNull.Value);
            insert.Parameters.AddWithValue("$status", run.Status);
            insert.Parameters.AddWithValue("$outcome", (int)run.Outcome);
            insert.Parameters.AddWithValue("$failed", update.Failed is { } f ? (f ? 1 : 0) : DBNull.Value);
            insert.Parameters.AddWithValue("$output", run.Output);
            insert.ExecuteNonQuery();
        }

        // Retention: the index on (check_id, id) makes this a short range delete, so the cost of a
        // run stays flat however long the history grows.
        using var trim = Command("""
            DELETE FROM runs WHERE check_id = $check AND id <=
                (SELECT id FROM runs WHERE check_id = $check ORDER BY id DESC LIMIT 1 OFFSET $keep)
            """, tx);
        trim.Parameters.AddWithValue("$check", checkId);
        trim.Parameters.AddWithValue("$keep", KeepRuns);
        trim.ExecuteNonQuery();
    }

    public IReadOnlyList<CheckSummary> ListChecks() => Guard(() =>
    {
        using var cmd = Command("""
            SELECT id, short_id, wrapper, identifier, command, streak, alerting, threshold, window,
                   last_run_at, last_status, last_outcome, runs_total, argv, options
            FROM checks ORDER BY last_run_at DESC
            """, null);
        using var reader = cmd.ExecuteReader();
        var list = new List<CheckSummary>();
        while (reader.Read())
        {
            list.Add(new CheckSummary(
                reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4),
                reader.GetInt64(5), reader.GetInt64(6) != 0,
                reader.IsDBNull(7) ? null : (int)reader.GetInt64(7),
                reader.IsDBNull(8) ? null : (int)reader.GetInt64(8),
                reader.IsDBNull(9) ? null : reader.GetInt64(9),
                reader.IsDBNull(10) ? null : (int)reader.GetInt64(10),
                reader.IsDBNull(11) ? null : (RunOutcome)reader.GetInt64(11),
                reader.GetInt64(12), ParseArgv(reader.GetString(13)), reader.GetString(14)));
        }
        return (IReadOnlyList<CheckSummary>)list;
    });

    /// <summary>The newest <paramref name="limit"/> runs of a check (started at or after <paramref name="sinceMs"/>), oldest first.</summary>
    public IReadOnlyList<RunRow> History(long checkId, int limit, long sinceMs = long.MinValue) => Guard(() =>
    {
        using var cmd = Command("""
            SELECT id, started_at, duration_ms, inner_exit, status, outcome, failed, output FROM
                (SELECT * FROM runs WHERE check_id = $check AND started_at >= $since ORDER BY id DESC LIMIT $limit) ORDER BY id
            """, null);
        cmd.Parameters.AddWithValue("$check", checkId);
        cmd.Parameters.AddWithValue("$limit", limit);
        cmd.Parameters.AddWithValue("$since", sinceMs);
        using var reader = cmd.ExecuteReader();
        var rows = new List<RunRow>();
        while (reader.Read())
        {
            rows.Add(new RunRow(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2),
                reader.IsDBNull(3) ? null : (int)reader.GetInt64(3), (int)reader.GetInt64(4),
                (RunOutcome)reader.GetInt64(5), reader.IsDBNull(6) ? null : reader.GetInt64(6) != 0,
                (byte[])reader.GetValue(7)));
        }
        return (IReadOnlyList<RunRow>)rows;
    });

    /// <summary>Clears a check's failure streak, alert and cached result (after a fix); its runs stay.</summary>
    public void Reset(long checkId) => Guard(() =>
    {
        using var cmd = Command("""
            UPDATE checks SET streak = 0, alerting = 0, held_status = NULL, ok_streak = 0,
                cached_at = NULL, cached_status = NULL, cached_output = NULL,
                reset_after = coalesce((SELECT max(id) FROM runs WHERE check_id = $id), 0)
            WHERE id = $id
            """, null);
        cmd.Parameters.AddWithValue("$id", checkId);
        return cmd.ExecuteNonQuery();
    });

    /// <summary>Drops a check and all its runs.</summary>
    public void Forget(long checkId) => Guard(() => ForgetWhere("id = $arg", checkId));

    /// <summary>Drops every check whose last run is older than <paramref name="cutoffMs"/>; returns how many.</summary>
    public int Prune(long cutoffMs) => Guard(() => ForgetWhere("coalesce(last_run_at, 0) < $arg", cutoffMs));

    private int ForgetWhere(string condition, long arg)
    {
        using var tx = _connection.BeginTransaction(deferred: false);
        using var cmd = Command($"""
            DELETE FROM runs WHERE check_id IN (SELECT id FROM checks WHERE {condition});
            DELETE FROM checks WHERE {condition};
            SELECT changes();
            """, tx);
        cmd.Parameters.AddWithValue("$arg", arg);
        int dropped = (int)(long)cmd.ExecuteScalar()!;
        tx.Commit();
        return dropped;
    }

    /// <summary>
    /// A metric plugin's previous sample (counters), read and replaced in one transaction so two
    /// overlapping runs cannot both compute a rate from the same sample. <paramref name="decide"/>
    /// gets the stored bytes (null the first time) and returns what to store (null keeps it).
    /// </summary>
    public T UpdateValue<T>(string ns, string name, long nowMs, Func<byte[]?, (byte[]? NewValue, T Result)> decide) => Guard(() =>
    {
        using var tx = _connection.BeginTransaction(deferred: false);
        byte[]? current;
        using (var read = Command("SELECT value FROM plugin_values WHERE namespace = $ns AND name = $name", tx))
        {
            read.Parameters.AddWithValue("$ns", ns);
            read.Parameters.AddWithValue("$name", name);
            current = read.ExecuteScalar() as byte[];
        }
        var (next, result) = decide(current);
        if (next is not null)
        {
            using var write = Command("""
                INSERT INTO plugin_values (namespace, name, value, updated_at) VALUES ($ns, $name, $value, $now)
                ON CONFLICT (namespace, name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at
                """, tx);
            write.Parameters.AddWithValue("$ns", ns);
            write.Parameters.AddWithValue("$name", name);
            write.Parameters.AddWithValue("$value", next);
            write.Parameters.AddWithValue("$now", nowMs);
            write.ExecuteNonQuery();
        }
        tx.Commit();
        if (next is not null) TruncateLargeWal(nowMs);
        return result;
    });

    /// <summary>
    /// Turns SQLite failures into StateUnavailableException, after one repair attempt for a file
    /// found corrupt mid-use (moved aside, recreated, the operation retried once).
    /// </summary>
    private T Guard<T>(Func<T> operation)
    {
        try
        {
            return operation();
        }
        catch (SqliteException e) when (IsCorruption(e))
        {
            _connection.Dispose();
            Notices.Add(Quarantine(DatabasePath, e));
            try
            {
                _connection = Connect(DatabasePath);
                return operation();
            }
            catch (SqliteException again)
            {
                throw Unavailable(DatabasePath, again);
            }
        }
        catch (SqliteException e)
        {
            throw Unavailable(DatabasePath, e);
        }
    }

    private static StateUnavailableException Unavailable(string DatabasePath, SqliteException e) => new(
        e.SqliteErrorCode switch
        {
            5 or 6 => $"state store {DatabasePath} stayed locked for more than {LockWait.TotalSeconds:0} s",
            8 => $"state store {DatabasePath} is read-only",
            13 => $"state store {DatabasePath}: disk full",
            _ => $"state store {DatabasePath}: {e.Message}",
        }, e);

    public sealed record Inspection(long Checks, long Runs, long Bytes, string QuickCheck);

    /// <summary>A read-only look at an existing store (for `metacheck doctor`): nothing is created or repaired.</summary>
    public static Inspection Inspect(string path)
    {
        try
        {
            using var connection = new SqliteConnection(new SqliteConnectionStringBuilder
            {
                DataSource = path, Mode = SqliteOpenMode.ReadOnly, Pooling = false, DefaultTimeout = 1,
            }.ToString());
            connection.Open();
            Execute(connection, $"PRAGMA busy_timeout = {(int)LockWait.TotalMilliseconds}");
            var quick = Scalar<string>(connection, "PRAGMA quick_check");
            long version = Scalar<long>(connection, "PRAGMA user_version");
            CheckVersion(path, version);
            bool hasSchema = version >= 1;
            return new Inspection(
                hasSchema ? Scalar<long>(connection, "SELECT count(*) FROM checks") : 0,
                hasSchema ? Scalar<long>(connection, "SELECT count(*) FROM runs") : 0,
                new FileInfo(path).Length, quick);
        }
        catch (SqliteException e)
        {
            throw new StateUnavailableException($"cannot read {path}: {e.Message}", e);
        }
    }

    private static bool IsCorruption(SqliteException e) => e.SqliteErrorCode is 11 /* CORRUPT */ or 26 /* NOTADB */;

    private static string Quarantine(string path, Exception reason)
    {
        var aside = $"{path}.corrupt-{DateTime.UtcNow:yyyyMMddTHHmmssfff}";
        foreach (var suffix in new[] { "", "-wal", "-shm" })
        {
            if (File.Exists(path + suffix)) File.Move(path + suffix, aside + suffix, overwrite: true);
        }
        return $"state store {path} was unreadable ({reason.Message.TrimEnd('.')}); moved it to {aside} and started a new one";
    }

    private SqliteCommand Command(string sql, SqliteTransaction? tx)
    {
        var cmd = _connection.CreateCommand();
        cmd.CommandText = sql;
        cmd.Transaction = tx;
        return cmd;
    }

    private static void Execute(SqliteConnection connection, string sql, SqliteTransaction? tx = null)
    {
        using var cmd = connection.CreateCommand(); // joins the connection's open transaction, if any
        cmd.CommandText = sql;
        if (tx is not null) cmd.Transaction = tx;
        cmd.ExecuteNonQuery();
    }

    private static T Scalar<T>(SqliteConnection connection, string sql, SqliteTransaction? tx = null)
    {
        using var cmd = connection.CreateCommand(); // joins the connection's open transaction, if any
        cmd.CommandText = sql;
        if (tx is not null) cmd.Transaction = tx;
        return (T)cmd.ExecuteScalar()!;
    }

    public void Dispose() => _connection.Dispose();
}
