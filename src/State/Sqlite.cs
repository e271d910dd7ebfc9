using System.Text;
using SQLitePCL;

namespace MetaCheck.State;

/// <summary>A SQLite failure; <see cref="Code"/> is the primary result code (5 busy, 11 corrupt, 13 full, ...).</summary>
public sealed class SqliteError(int code, string message) : Exception(message)
{
    public int Code { get; } = code;
}

/// <summary>
/// One SQLite connection, straight over SQLitePCLRaw. Microsoft.Data.Sqlite cost every wrapper run
/// about 2.5 ms of its ~20 (docs/dependencies.md): a reflection lookup of its provider, a pool-pruning
/// timer thread and a connection-string parser, for a process that opens one connection and runs a
/// handful of statements. This is what the store needs and no more: statements with named arguments,
/// rows read by position, BEGIN IMMEDIATE transactions.
/// </summary>
internal sealed class SqliteDb : IDisposable
{
    private const int Row = 100, Done = 101;
    private readonly sqlite3 _db;

    static SqliteDb() => raw.SetProvider(new SQLite3Provider_e_sqlite3());

    private SqliteDb(sqlite3 db) => _db = db;

    /// <summary>Opens an existing file (never creates one: the caller makes it with the right owner and mode).</summary>
    public static SqliteDb Open(string path, bool readOnly)
    {
        int flags = (readOnly ? raw.SQLITE_OPEN_READONLY : raw.SQLITE_OPEN_READWRITE) | raw.SQLITE_OPEN_NOMUTEX;
        int rc = raw.sqlite3_open_v2(path, out var db, flags, null);
        if (rc == 0) return new SqliteDb(db);
        var error = Error(db, rc);
        db.Dispose();
        throw error;
    }

    /// <summary>
    /// Read-only, for status, history and doctor, which may look at a store another user owns: SQLite opens
    /// by path and would wait for ever if its owner swapped the file (or its -wal) for a FIFO after the
    /// checks. A watchdog lets such an open go after a moment; the caller then finds no regular file.
    /// </summary>
    public static SqliteDb OpenForLooking(string path)
    {
        var opened = new ManualResetEventSlim(); // not disposed: the watchdog may still wait on it after the open returned
        var watchdog = new Thread(() =>
        {
            while (!opened.Wait(TimeSpan.FromSeconds(1)))
            {
                foreach (var suffix in new[] { "", "-wal", "-shm" }) Posix.ReleaseFifoReaders(path + suffix);
            }
        }) { IsBackground = true };
        watchdog.Start();
        try
        {
            var db = Open(path, readOnly: true);
            try
            {
                db.BusyTimeout(TimeSpan.FromSeconds(3));
                db.Int64("PRAGMA schema_version"); // the first read opens the -wal and -shm, watched too
                if (Posix.OpenedType(path) != Posix.FileType.Regular) throw new SqliteError(14, $"{path} is not a regular file any more");
                return db;
            }
            catch
            {
                db.Dispose();
                throw;
            }
        }
        finally
        {
            opened.Set();
        }
    }

    public void BusyTimeout(TimeSpan wait) => raw.sqlite3_busy_timeout(_db, (int)wait.TotalMilliseconds);

    public void Configure(int option, int value) => raw.sqlite3_db_config(_db, option, value, out _);

    /// <summary>Runs every statement of <paramref name="sql"/>, each with the arguments it names; returns the rows changed by the last.</summary>
    public int Execute(string sql, params ReadOnlySpan<(string Name, object? Value)> args)
    {
        Run(sql, null, args);
        return raw.sqlite3_changes(_db);
    }

    /// <summary>The rows of <paramref name="sql"/> (of every statement that returns any), each read by <paramref name="read"/>.</summary>
    public List<T> Query<T>(string sql, Func<SqliteRow, T> read, params ReadOnlySpan<(string Name, object? Value)> args)
    {
        var rows = new List<T>();
        Run(sql, row => rows.Add(read(row)), args);
        return rows;
    }

    /// <summary>The first row's reading, or default when there is no row.</summary>
    public T? First<T>(string sql, Func<SqliteRow, T> read, params ReadOnlySpan<(string Name, object? Value)> args)
    {
        var rows = Query(sql, read, args);
        return rows.Count > 0 ? rows[0] : default;
    }

    public long Int64(string sql, params ReadOnlySpan<(string Name, object? Value)> args) => First(sql, r => r.Int64(0), args);

    /// <summary>BEGIN IMMEDIATE: the write lock now, so that what is read in the transaction is what the write is based on.</summary>
    public SqliteTransaction BeginImmediate()
    {
        Execute("BEGIN IMMEDIATE");
        return new SqliteTransaction(this);
    }

    private void Run(string sql, Action<SqliteRow>? onRow, ReadOnlySpan<(string Name, object? Value)> args)
    {
        ReadOnlySpan<byte> rest = Encoding.UTF8.GetBytes(sql);
        while (!rest.IsEmpty)
        {
            int rc = raw.sqlite3_prepare_v2(_db, rest, out var statement, out rest);
            if (rc != 0) throw Error(_db, rc);
            if (statement.IsInvalid) break; // only whitespace or comments were left
            using (statement)
            {
                foreach (var (name, value) in args)
                {
                    int index = raw.sqlite3_bind_parameter_index(statement, name);
                    if (index > 0) Check(Bind(statement, index, value));
                }
                while ((rc = raw.sqlite3_step(statement)) == Row) onRow?.Invoke(new SqliteRow(statement));
                if (rc != Done) throw Error(_db, rc);
            }
        }
    }

    private static int Bind(sqlite3_stmt statement, int index, object? value) => value switch
    {
        null => raw.sqlite3_bind_null(statement, index),
        long n => raw.sqlite3_bind_int64(statement, index, n),
        int n => raw.sqlite3_bind_int64(statement, index, n),
        bool b => raw.sqlite3_bind_int64(statement, index, b ? 1 : 0),
        string text => raw.sqlite3_bind_text(statement, index, text),
        byte[] bytes => raw.sqlite3_bind_blob(statement, index, bytes),
        _ => throw new ArgumentException($"cannot store a {value.GetType().Name}", nameof(value)),
    };

    private void Check(int rc)
    {
        if (rc != 0) throw Error(_db, rc);
    }

    private static SqliteError Error(sqlite3 db, int rc)
    {
        string detail = db is null || db.IsInvalid ? raw.sqlite3_errstr(rc).utf8_to_string() : raw.sqlite3_errmsg(db).utf8_to_string();
        return new SqliteError(rc & 0xff, $"SQLite error {rc & 0xff}: {detail}");
    }

    public void Dispose() => _db.Dispose();
}

/// <summary>A result row, read by column position.</summary>
internal readonly struct SqliteRow(sqlite3_stmt statement)
{
    private const int Null = 5;

    public bool IsNull(int column) => raw.sqlite3_column_type(statement, column) == Null;
    public long Int64(int column) => raw.sqlite3_column_int64(statement, column);
    public long? NullableInt64(int column) => IsNull(column) ? null : Int64(column);
    public string Text(int column) => raw.sqlite3_column_text(statement, column).utf8_to_string() ?? "";
    public byte[] Blob(int column) => raw.sqlite3_column_blob(statement, column).ToArray();
}

/// <summary>Rolled back on dispose unless committed (a failed write leaves the store as it was).</summary>
internal sealed class SqliteTransaction(SqliteDb db) : IDisposable
{
    private bool _open = true;

    public void Commit()
    {
        db.Execute("COMMIT");
        _open = false;
    }

    public void Dispose()
    {
        if (!_open) return;
        _open = false;
        try
        {
            db.Execute("ROLLBACK");
        }
        catch (SqliteError)
        {
            // SQLite already rolled back (a full disk, an I/O error): nothing is left to undo.
        }
    }
}
