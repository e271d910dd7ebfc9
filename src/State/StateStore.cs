using System.Globalization;
using System.Text;
using System.Text.Json;

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

    /// <summary>
    /// How long tidying (a checkpoint, forgetting old checks) waits for other runs before leaving it to a
    /// later run: not at all. A TRUNCATE checkpoint holds the write lock while it waits for readers, so
    /// in a storm of runs each wait of the tidying run was added to every other run's lock wait, and
    /// some ran past <see cref="LockWait"/> and failed open.
    /// </summary>
    private static readonly TimeSpan TidyingWait = TimeSpan.Zero;

    /// <summary>Checks not run for this long are dropped with their runs (<see cref="Maintain"/>); $METACHECK_FORGET_AFTER overrides it.</summary>
    public static readonly TimeSpan DefaultForgetAfter = TimeSpan.FromDays(90);
    private const int SqliteDbConfigNoCheckpointOnClose = 1006;

    /// <summary>Past this size the WAL is copied into the database and truncated (see <see cref="TruncateLargeWal"/>).</summary>
    public const long WalLimitBytes = 128 * 1024;

    private SqliteDb _connection;

    private StateStore(string path, SqliteDb connection, int keepRuns, bool readOnly = false)
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
        var path = Path.Combine(StateDirectory.EnsurePrivate(location), FileName);
        var notices = new List<string>();
        SqliteDb connection;
        try
        {
            try
            {
                connection = Connect(path);
            }
            catch (SqliteError e) when (IsCorruption(e))
            {
                notices.Add(Quarantine(path, e));
                connection = Connect(path);
            }
        }
        catch (SqliteError e)
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
        SqliteDb? connection = null;
        try
        {
            connection = SqliteDb.OpenForLooking(path);
            connection.BusyTimeout(LockWait);
            long version = connection.Int64("PRAGMA user_version");
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
        catch (SqliteError e)
        {
            connection?.Dispose();
            throw new StateUnavailableException($"cannot read state store {path}: {e.Message}", e);
        }
        catch
        {
            connection?.Dispose();
            throw;
        }
    }

    /// <summary>Failures that make the store unusable for this run; callers fail open.</summary>
    public static bool IsUnusable(Exception e) =>
        e is StateUnavailableException or IOException or UnauthorizedAccessException or SqliteError;

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
            if (location.Fallback is { } fallback) err.WriteLine($"metacheck: {who}: {fallback}");
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

    private static SqliteDb Connect(string path)
    {
        StateDirectory.EnsurePrivateFile(path);
        // Left by an older metacheck or a sqlite3 session under another umask: tightened, never trusted.
        StateDirectory.EnsurePrivateFile(path + "-wal", create: false);
        StateDirectory.EnsurePrivateFile(path + "-shm", create: false);
        var connection = SqliteDb.Open(path, readOnly: false);
        try
        {
            // A run is short: checkpointing the WAL into the database (and deleting it) on every
            // close would cost an fsync per run. SQLite's auto-checkpoint is off too: it cannot bound
            // the WAL here (see TruncateLargeWal); the run that finds the WAL large does it instead.
            connection.Configure(SqliteDbConfigNoCheckpointOnClose, 1);
            connection.BusyTimeout(LockWait);
            // The first statement that needs the file's lock runs alone: in one multi-statement command
            // a locked store cost a full wait in a pragma, and then another in the next statement (6 s).
            Migrate(connection, path);
            connection.Execute("PRAGMA synchronous = NORMAL");
            connection.Execute("PRAGMA wal_autocheckpoint = 0");
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
    private static readonly Action<SqliteDb>[] Steps =
    [
        CreateTables,          // 1
        DescribeAndRedact,     // 2: argv as a list, the options in the key, secrets out of older rows
        HoldAndMute,           // 3: delay-checker --recover and metacheck mute
        RedactAgain,           // 4: secrets the rules of steps 1-3 missed (RedactAgain.cs)
    ];

    private static readonly string[] OurTables = ["checks", "runs", "plugin_values", "mutes"];

    /// <summary>
    /// Why a database is another program's (tables of its own, or a version without our tables), or null:
    /// the wrappers would add their tables to it, so it is refused and doctor names it.
    /// </summary>
    private static string? NotOurs(SqliteDb connection, long version)
    {
        var tables = connection.Query("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite!_%' ESCAPE '!'", r => r.Text(0));
        var others = tables.Where(t => !OurTables.Contains(t)).ToList();
        if (others.Count == 0 && (version == 0 || tables.Contains("checks"))) return null;
        return $"is not a metacheck store: an SQLite database of something else ({(others.Count > 0 ? "tables " + string.Join(", ", others.Take(5)) : $"version {version} without a checks table")}); move it away or choose another --state-dir";
    }

    private static void CheckVersion(string path, long version)
    {
        if (version > Steps.Length)
            throw new StateUnavailableException(
                $"state store {path} has schema version {version}, newer than this metacheck knows ({Steps.Length}); upgrade metacheck or use another --state-dir");
    }

    private static void Migrate(SqliteDb connection, string path)
    {
        long version = connection.Int64("PRAGMA user_version");
        CheckVersion(path, version);
        if (version == Steps.Length) return;
        if (NotOurs(connection, version) is { } foreign) throw new StateUnavailableException($"state store {path} {foreign}");
        // WAL is a property of the file: set once, before any transaction.
        if (version == 0) connection.Execute("PRAGMA journal_mode = WAL");
        // What a step rewrites (secrets, by step 2) must not linger in freed space, nor in the WAL.
        connection.Execute("PRAGMA secure_delete = ON");
        using (var tx = connection.BeginImmediate())
        {
            version = connection.Int64("PRAGMA user_version"); // another process may have migrated meanwhile
            CheckVersion(path, version);
            for (long step = version; step < Steps.Length; step++)
            {
                Steps[step](connection);
                connection.Execute($"PRAGMA user_version = {step + 1}");
            }
            tx.Commit();
        }
        connection.Execute("PRAGMA secure_delete = OFF");
        // Only the run that rewrote older rows flushes them out of the WAL. The runs that raced it to the
        // lock found the work done: a TRUNCATE checkpoint each would hold the write lock in turn while
        // waiting for readers, and in a storm of first runs the others' 3 s wait ran out (up to 31 of 200).
        if (version is > 0 && version < Steps.Length) Tidy(connection, () => connection.Execute(TruncateWal));
    }

    /// <summary>Copies the WAL into the database and empties it.</summary>
    private const string TruncateWal = "PRAGMA wal_checkpoint(TRUNCATE)";

    /// <summary>
    /// Tidying after a commit (a checkpoint, forgetting old checks): waits at most <see cref="TidyingWait"/>
    /// for other runs and gives up quietly, leaving it to a later run; the data is committed either way.
    /// </summary>
    private static void Tidy(SqliteDb connection, Action work)
    {
        connection.BusyTimeout(TidyingWait);
        try
        {
            work();
        }
        catch (Exception e) when (e is SqliteError or IOException)
        {
        }
        finally
        {
            connection.BusyTimeout(LockWait);
        }
    }

    private static void CreateTables(SqliteDb connection) => connection.Execute("""
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
        """);

    /// <summary>
    /// Step 3: delay-checker --recover keeps the status an open alert holds and the successes in a row
    /// since (no row needs them yet: step 2 gave every older check a key no run produces). Mutes: see Mutes.cs.
    /// </summary>
    private static void HoldAndMute(SqliteDb connection) => connection.Execute($"""
        ALTER TABLE checks ADD COLUMN held_status INTEGER;
        ALTER TABLE checks ADD COLUMN ok_streak INTEGER NOT NULL DEFAULT 0;
        {MutesSchema}
        """);

    /// <summary>
    /// Step 2: `argv` (a JSON array, secrets redacted), `options` (the wrapper options in the key) and
    /// `reset_after` (runs up to this id no longer count towards --within, after `metacheck reset`).
    /// Rows of schema 1 keep their history, with secrets redacted and a key no new run produces
    /// (keys now hold the options): they are shown, and forgotten once they have not run for a while.
    /// </summary>
    private static void DescribeAndRedact(SqliteDb connection)
    {
        connection.Execute("""
            ALTER TABLE checks ADD COLUMN argv TEXT NOT NULL DEFAULT '[]';
            ALTER TABLE checks ADD COLUMN options TEXT NOT NULL DEFAULT '';
            ALTER TABLE checks ADD COLUMN reset_after INTEGER NOT NULL DEFAULT 0;
            """);
        foreach (var (id, key) in connection.Query("SELECT id, key FROM checks", r => (Id: r.Int64(0), Key: r.Text(1))))
        {
            var parts = CheckIdentity.ParseKey(key);
            var argv = parts is { Count: >= 2 } ? Secrets.Redact(parts[2..]) : [];
            connection.Execute("UPDATE checks SET key = $key, command = $command, argv = $argv WHERE id = $id",
                ("$key", $"schema1:{id}"), ("$command", ShellQuote.Join(argv)), ("$argv", ArgvJson(argv)), ("$id", id));
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
    public CheckState Read(CheckIdentity id, int recentRuns = 0) => Guard(() =>
    {
        AdoptLegacy(id);
        return ReadState(id.Key, recentRuns);
    });

    /// <summary>
    /// Atomic read-decide-write: <paramref name="decide"/> sees the state as of the write lock, and its
    /// update is committed before any other run can read. Returns what the decision returned.
    /// </summary>
    public T Update<T>(CheckIdentity id, int recentRuns, Func<CheckState, (CheckUpdate Update, T Result)> decide) => Guard(() =>
    {
        using var tx = _connection.BeginImmediate();
        AdoptLegacyLocked(id);
        var (update, result) = decide(ReadState(id.Key, recentRuns));
        Write(id, update);
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
    /// every few runs: a smaller WAL is read faster at every open, a checkpoint costs an fsync). If other runs hold the store it gives up at once; a later run does it.
    /// The same run first forgets the checks not run for <see cref="ForgetAfter"/>, so an argv that
    /// changed (a new host, a new threshold) does not keep its old check forever.
    /// </summary>
    private void TruncateLargeWal(long nowMs)
    {
        var wal = new FileInfo(DatabasePath + "-wal");
        if (!wal.Exists || wal.Length < WalLimitBytes) return;
        Tidy(_connection, () =>
        {
            if (ForgetAfter is { } age) ForgetWhere("coalesce(last_run_at, 0) < $arg", nowMs - (long)age.TotalMilliseconds);
            _connection.Execute(TruncateWal);
        });
    }

    private CheckState ReadState(string key, int recentRuns)
    {
        var row = _connection.First("""
            SELECT id, streak, alerting, cached_at, cached_status, cached_output, reset_after, held_status, ok_streak
            FROM checks WHERE key = $key
            """, r => (
                CheckId: r.Int64(0), Streak: r.Int64(1), Alerting: r.Int64(2) != 0,
                Cached: r.IsNull(3) ? null : new CachedResult(r.Int64(3), (int)r.Int64(4), r.Blob(5)),
                ResetAfter: r.Int64(6), HeldStatus: (int?)r.NullableInt64(7), OkStreak: r.Int64(8)),
            ("$key", key));
        if (row.CheckId == 0) return CheckState.Empty;
        IReadOnlyList<bool> recent = recentRuns <= 0 ? [] : _connection.Query(
            "SELECT failed FROM runs WHERE check_id = $check AND id > $reset AND failed IS NOT NULL ORDER BY id DESC LIMIT $n",
            r => r.Int64(0) != 0, ("$check", row.CheckId), ("$reset", row.ResetAfter), ("$n", recentRuns));
        return new CheckState(row.Streak, row.Alerting, row.Cached, recent, row.HeldStatus, row.OkStreak);
    }

    private void Write(CheckIdentity id, CheckUpdate update)
    {
        var run = update.Run;
        var cacheSql = update.Cache switch
        {
            CacheChange.Set => ", cached_at = $cached_at, cached_status = $cached_status, cached_output = $cached_output",
            CacheChange.Clear => ", cached_at = NULL, cached_status = NULL, cached_output = NULL",
            _ => "",
        };
        var cache = update.Cache == CacheChange.Set ? update.NewCache : null;
        long checkId = _connection.Int64($"""
            INSERT INTO checks (key, short_id, wrapper, identifier, command, argv, options)
                VALUES ($key, $short, $wrapper, $identifier, $command, $argv, $options)
            ON CONFLICT (key) DO NOTHING;
            UPDATE checks SET streak = $streak, alerting = $alerting, threshold = $threshold, window = $window,
                last_run_at = $started, last_status = $status, last_outcome = $outcome, runs_total = runs_total + 1,
                held_status = $held_status, ok_streak = $ok_streak
                {cacheSql}
            WHERE key = $key
            RETURNING id;
            """,
            ("$key", id.Key), ("$short", id.Id), ("$wrapper", id.Wrapper), ("$identifier", id.Identifier),
            ("$command", id.CommandLine), ("$argv", ArgvJson(id.Command)), ("$options", id.OptionsLine),
            ("$streak", update.Streak), ("$alerting", update.Alerting), ("$threshold", update.Threshold), ("$window", update.Window),
            ("$started", run.StartedAtMs), ("$status", run.Status), ("$outcome", (int)run.Outcome),
            ("$held_status", update.HeldStatus), ("$ok_streak", update.OkStreak),
            ("$cached_at", cache?.AtMs), ("$cached_status", cache?.Status), ("$cached_output", cache is null ? null : id.Redaction.Scrub(cache.Output)));

        _connection.Execute("""
            INSERT INTO runs (check_id, started_at, duration_ms, inner_exit, status, outcome, failed, output)
            VALUES ($check, $started, $duration, $exit, $status, $outcome, $failed, $output)
            """,
            ("$check", checkId), ("$started", run.StartedAtMs), ("$duration", run.DurationMs), ("$exit", run.InnerExit),
            ("$status", run.Status), ("$outcome", (int)run.Outcome), ("$failed", update.Failed), ("$output", id.Redaction.Scrub(run.Output)));

        // Retention: the index on (check_id, id) makes this a short range delete, so the cost of a
        // run stays flat however long the history grows.
        _connection.Execute("""
            DELETE FROM runs WHERE check_id = $check AND id <=
                (SELECT id FROM runs WHERE check_id = $check ORDER BY id DESC LIMIT 1 OFFSET $keep)
            """, ("$check", checkId), ("$keep", KeepRuns));
    }

    public IReadOnlyList<CheckSummary> ListChecks() => Guard(() => (IReadOnlyList<CheckSummary>)_connection.Query("""
        SELECT id, short_id, wrapper, identifier, command, streak, alerting, threshold, window,
               last_run_at, last_status, last_outcome, runs_total, argv, options
        FROM checks ORDER BY last_run_at DESC
        """, r => new CheckSummary(
            r.Int64(0), r.Text(1), r.Text(2), r.Text(3), r.Text(4), r.Int64(5), r.Int64(6) != 0,
            (int?)r.NullableInt64(7), (int?)r.NullableInt64(8), r.NullableInt64(9), (int?)r.NullableInt64(10),
            (RunOutcome?)r.NullableInt64(11), r.Int64(12), ParseArgv(r.Text(13)), r.Text(14))));

    /// <summary>The newest <paramref name="limit"/> runs of a check (started at or after <paramref name="sinceMs"/>), oldest first.</summary>
    public IReadOnlyList<RunRow> History(long checkId, int limit, long sinceMs = long.MinValue) => Guard(() => (IReadOnlyList<RunRow>)_connection.Query("""
        SELECT id, started_at, duration_ms, inner_exit, status, outcome, failed, output FROM
            (SELECT * FROM runs WHERE check_id = $check AND started_at >= $since ORDER BY id DESC LIMIT $limit) ORDER BY id
        """, r => new RunRow(r.Int64(0), r.Int64(1), r.Int64(2), (int?)r.NullableInt64(3), (int)r.Int64(4),
            (RunOutcome)r.Int64(5), r.IsNull(6) ? null : r.Int64(6) != 0, r.Blob(7)),
        ("$check", checkId), ("$limit", limit), ("$since", sinceMs)));

    /// <summary>Clears a check's failure streak, alert and cached result (after a fix); its runs stay.</summary>
    public void Reset(long checkId) => Guard(() => _connection.Execute("""
        UPDATE checks SET streak = 0, alerting = 0, held_status = NULL, ok_streak = 0,
            cached_at = NULL, cached_status = NULL, cached_output = NULL,
            reset_after = coalesce((SELECT max(id) FROM runs WHERE check_id = $id), 0)
        WHERE id = $id
        """, ("$id", checkId)));

    /// <summary>Drops a check and all its runs.</summary>
    public void Forget(long checkId) => Guard(() => ForgetWhere("id = $arg", checkId));

    /// <summary>Drops every check whose last run is older than <paramref name="cutoffMs"/>; returns how many.</summary>
    public int Prune(long cutoffMs) => Guard(() => ForgetWhere("coalesce(last_run_at, 0) < $arg", cutoffMs));

    private int ForgetWhere(string condition, long arg)
    {
        using var tx = _connection.BeginImmediate();
        _connection.Execute($"DELETE FROM runs WHERE check_id IN (SELECT id FROM checks WHERE {condition})", ("$arg", arg));
        int dropped = _connection.Execute($"DELETE FROM checks WHERE {condition}", ("$arg", arg));
        tx.Commit();
        return dropped;
    }

    /// <summary>
    /// A metric plugin's previous sample (counters), read and replaced in one transaction so two
    /// overlapping runs cannot both compute a rate from the same sample. <paramref name="decide"/>
    /// gets the stored bytes (null the first time) and returns what to store (null keeps it). A value kept
    /// under <paramref name="legacyNs"/> (the previous release's key) and none under <paramref name="ns"/>
    /// moves to <paramref name="ns"/>, so an upgrade keeps every sample.
    /// </summary>
    public T UpdateValue<T>(string ns, string name, long nowMs, Func<byte[]?, (byte[]? NewValue, T Result)> decide,
        string? legacyNs = null) => Guard(() =>
    {
        using var tx = _connection.BeginImmediate();
        const string Select = "SELECT value FROM plugin_values WHERE namespace = $ns AND name = $name";
        var current = _connection.First(Select, r => r.Blob(0), ("$ns", ns), ("$name", name));
        if (current is null && legacyNs is not null && legacyNs != ns
            && _connection.First(Select, r => r.Blob(0), ("$ns", legacyNs), ("$name", name)) is { } legacy)
        {
            _connection.Execute("UPDATE plugin_values SET namespace = $ns WHERE namespace = $legacy AND name = $name",
                ("$ns", ns), ("$legacy", legacyNs), ("$name", name));
            current = legacy;
        }
        var (next, result) = decide(current);
        if (next is not null)
        {
            _connection.Execute("""
                INSERT INTO plugin_values (namespace, name, value, updated_at) VALUES ($ns, $name, $value, $now)
                ON CONFLICT (namespace, name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at
                """, ("$ns", ns), ("$name", name), ("$value", next), ("$now", nowMs));
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
        catch (SqliteError e) when (IsCorruption(e))
        {
            _connection.Dispose();
            Notices.Add(Quarantine(DatabasePath, e));
            try
            {
                _connection = Connect(DatabasePath);
                return operation();
            }
            catch (SqliteError again)
            {
                throw Unavailable(DatabasePath, again);
            }
        }
        catch (SqliteError e)
        {
            throw Unavailable(DatabasePath, e);
        }
    }

    private static StateUnavailableException Unavailable(string DatabasePath, SqliteError e) => new(
        e.Code switch
        {
            5 or 6 => $"state store {DatabasePath} stayed locked for more than {LockWait.TotalSeconds:0} s",
            8 => $"state store {DatabasePath} is read-only",
            13 => $"state store {DatabasePath}: disk full",
            _ => $"state store {DatabasePath}: {e.Message}",
        }, e);

    /// <summary>What doctor reports of a store; <see cref="Foreign"/> says why it is another program's database.</summary>
    public sealed record Inspection(long Checks, long Runs, long Bytes, string QuickCheck, string? Foreign = null);

    /// <summary>A read-only look at an existing store (for `metacheck doctor`): nothing is created or repaired.</summary>
    public static Inspection Inspect(string path)
    {
        try
        {
            using var connection = SqliteDb.OpenForLooking(path);
            connection.BusyTimeout(LockWait);
            var quick = connection.First("PRAGMA quick_check", r => r.Text(0)) ?? "";
            long version = connection.Int64("PRAGMA user_version");
            CheckVersion(path, version);
            if (NotOurs(connection, version) is { } foreign) return new Inspection(0, 0, new FileInfo(path).Length, quick, foreign);
            bool hasSchema = version >= 1;
            return new Inspection(
                hasSchema ? connection.Int64("SELECT count(*) FROM checks") : 0,
                hasSchema ? connection.Int64("SELECT count(*) FROM runs") : 0,
                new FileInfo(path).Length, quick);
        }
        catch (SqliteError e)
        {
            throw new StateUnavailableException($"cannot read {path}: {e.Message}", e);
        }
    }

    private static bool IsCorruption(SqliteError e) => e.Code is 11 /* CORRUPT */ or 26 /* NOTADB */;

    private static string Quarantine(string path, Exception reason)
    {
        var aside = $"{path}.corrupt-{DateTime.UtcNow:yyyyMMddTHHmmssfff}";
        foreach (var suffix in new[] { "", "-wal", "-shm" })
        {
            if (File.Exists(path + suffix)) File.Move(path + suffix, aside + suffix, overwrite: true);
        }
        return $"state store {path} was unreadable ({reason.Message.TrimEnd('.')}); moved it to {aside} and started a new one";
    }

    public void Dispose() => _connection.Dispose();
}
