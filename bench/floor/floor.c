/* The floor of one wrapper run, for bench/run.py: exactly what `delay-checker -c N -- CMD` must do and
 * nothing more, in C against the system SQLite. Open the store as src/State/StateStore.cs does (WAL,
 * no checkpoint on close, synchronous NORMAL, no auto-checkpoint, 3 s busy timeout), posix_spawn CMD
 * with stdout through a pipe, read it, wait, BEGIN IMMEDIATE, read the check's streak, write the streak
 * and a run row, COMMIT, print the DelayWarn/DelayNG line, exit. The command runs before the write lock
 * is taken, as in the wrappers (StateStore.Update): holding the lock across it would serialise every
 * concurrent run of the check behind the slowest command (40 at once took 221 ms instead of 142).
 *
 *   floor DB N -- CMD [ARG...]   one delay-checker run
 *   floor DB N                   the same transaction without the spawn (the floor of interval-checker's
 *                                replay and periodic-checker outside its ranges)
 *
 * Like the wrappers, the run that finds the WAL over 128 KiB truncates it (else every open would read
 * an ever longer WAL and the floor would slow down over the bench's rounds). Errors end the run with
 * UNKNOWN (3): this is a measuring stick, not a product. */
#define _GNU_SOURCE /* pipe2 */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static sqlite3 *db;

static void die(const char *what)
{
    printf("floor: %s: %s\n", what, db ? sqlite3_errmsg(db) : strerror(errno));
    exit(3);
}

static void exec_sql(const char *sql)
{
    if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK) die(sql);
}

static sqlite3_int64 int64_of(const char *sql)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) die(sql);
    sqlite3_int64 v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_finalize(st);
    return v;
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static void open_store(const char *path)
{
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
        die("open");
    sqlite3_db_config(db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
    sqlite3_busy_timeout(db, 3000);
    if (int64_of("PRAGMA user_version") == 0) {
        exec_sql("PRAGMA journal_mode = WAL");
        exec_sql("BEGIN IMMEDIATE");
        exec_sql("CREATE TABLE IF NOT EXISTS checks (id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE,"
                 " streak INTEGER NOT NULL DEFAULT 0, last_run_at INTEGER);"
                 "CREATE TABLE IF NOT EXISTS runs (id INTEGER PRIMARY KEY, check_id INTEGER NOT NULL,"
                 " started_at INTEGER NOT NULL, duration_ms INTEGER NOT NULL, inner_exit INTEGER,"
                 " status INTEGER NOT NULL, output BLOB NOT NULL);"
                 "CREATE INDEX IF NOT EXISTS runs_by_check ON runs (check_id, id);"
                 "PRAGMA user_version = 1");
        exec_sql("COMMIT");
    }
    exec_sql("PRAGMA synchronous = NORMAL");
    exec_sql("PRAGMA wal_autocheckpoint = 0");
}

/* Runs argv with stdout (and stderr) into a pipe; returns its exit status, its output in *out. */
static int run(char **argv, char *out, size_t cap, size_t *len)
{
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) die("pipe");
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
    posix_spawn_file_actions_adddup2(&fa, fds[1], 2);
    pid_t pid;
    if (posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ) != 0) die(argv[0]);
    close(fds[1]);
    *len = 0;
    ssize_t n;
    while ((n = read(fds[0], out + *len, cap - *len)) > 0 && (*len += n) < cap) {}
    close(fds[0]);
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) die("waitpid");
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int main(int argc, char **argv)
{
    if (argc < 3 || (argc > 3 && (argc < 5 || strcmp(argv[3], "--") != 0))) {
        printf("usage: floor DB N [-- CMD ARG...]\n");
        return 3;
    }
    const char *path = argv[1];
    long threshold = atol(argv[2]);
    char **cmd = argc > 3 ? argv + 4 : NULL;
    const char *key = cmd ? cmd[0] : "no-spawn";

    open_store(path);
    long long started = now_ms();
    static char output[65536];
    size_t len = 0;
    int inner = cmd ? run(cmd, output, sizeof output, &len) : 0;
    exec_sql("BEGIN IMMEDIATE");

    sqlite3_stmt *st;
    sqlite3_int64 id = 0, streak = 0;
    sqlite3_prepare_v2(db, "SELECT id, streak FROM checks WHERE key = ?", -1, &st, NULL);
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW) {
        id = sqlite3_column_int64(st, 0);
        streak = sqlite3_column_int64(st, 1);
    }
    sqlite3_finalize(st);
    if (id == 0) {
        sqlite3_prepare_v2(db, "INSERT INTO checks (key) VALUES (?)", -1, &st, NULL);
        sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_DONE) die("insert check");
        sqlite3_finalize(st);
        id = sqlite3_last_insert_rowid(db);
    }

    streak = inner == 0 ? 0 : streak + 1;
    int status = inner == 0 || streak < threshold ? 0 : inner;

    sqlite3_prepare_v2(db, "UPDATE checks SET streak = ?, last_run_at = ? WHERE id = ?", -1, &st, NULL);
    sqlite3_bind_int64(st, 1, streak);
    sqlite3_bind_int64(st, 2, started);
    sqlite3_bind_int64(st, 3, id);
    if (sqlite3_step(st) != SQLITE_DONE) die("update check");
    sqlite3_finalize(st);
    sqlite3_prepare_v2(db, "INSERT INTO runs (check_id, started_at, duration_ms, inner_exit, status, output)"
                           " VALUES (?, ?, ?, ?, ?, ?)", -1, &st, NULL);
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, started);
    sqlite3_bind_int64(st, 3, now_ms() - started);
    sqlite3_bind_int(st, 4, inner);
    sqlite3_bind_int(st, 5, status);
    sqlite3_bind_blob(st, 6, output, (int)len, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE) die("insert run");
    sqlite3_finalize(st);
    exec_sql("COMMIT");

    char wal[4096];
    struct stat sb;
    snprintf(wal, sizeof wal, "%s-wal", path);
    if (stat(wal, &sb) == 0 && sb.st_size > 128 * 1024) {
        sqlite3_busy_timeout(db, 0);
        sqlite3_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL);
    }
    sqlite3_close(db);

    if (inner == 0)
        printf("%.*s", (int)len, output);
    else
        printf("%s(%lld/%ld): %.*s", streak < threshold ? "DelayWarn" : "DelayNG", (long long)streak, threshold, (int)len, output);
    return status;
}
