/*
 * store_sqlite.c — the storage interface (store.h) on an SQLite file.
 *
 * Opening is careful because it must never harm a file that is not ours: the
 * first bytes are read with plain I/O, then the file is inspected through a
 * read-only connection (application_id, user_version, quick_check), and only a
 * file that passes — or is new or empty — is opened for writing and switched
 * to WAL.  Any refusal leaves the file exactly as it was.
 *
 * Tables (docs/storage.md has every column):
 *   durable_meta          key/value: format version, byte order, creator
 *   durable_schemas       one row per function schema (fingerprint)
 *   durable_schema_fields its params, frame fields, result, with name/type/kind/offset/size
 *   durable_schema_awaits its await points: id, kind, callee, line, value type
 *   durable_workflows     one row per workflow or child: status, parent, args, result, error
 *   durable_frames        the latest checkpoint of each unfinished coroutine
 *   durable_timers        due times of durable timers and retry backoffs
 *   durable_history       append-only: one row per checkpoint and lifecycle event
 * All names start with durable_ so users can keep their own tables in the file.
 */
#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#define APPLICATION_ID 0x44555243 /* "DURC" */
#define FORMAT_VERSION 1

enum {
    S_PUT_SCHEMA, S_PUT_FIELD, S_PUT_AWAIT,
    S_INSERT_WF, S_INSERT_FRAME,
    S_SET_STATUS, S_SET_FRAME, S_GET_FLAGS, S_SET_FLAGS, S_SET_COLLECTED, S_SET_TIMER, S_DEL_TIMER, S_SET_RESULT, S_DEL_FRAME,
    S_APPEND, S_GET, S_GET_SPAWNED, S_LIST_STATUS, S_LIST_WAITING, S_FAMILY, S_SPAWNS, S_SPAWN_NEXT,
    S_DUE_LIST, S_FIRE_STATUS, S_FIRE_FRAME, S_CLAIM, S_HAS_WORK, S_NEXT_DUE, S_COUNT,
    S_BEAT, S_WORKERS, S_DROP_WORKER, S_RELEASE,
    S_PUT_SIGNAL, S_TAKE_SIGNAL, S_META_GET, S_META_SET,
    S_SCHEMA, S_SCHEMA_FIELDS, S_SCHEMA_AWAITS, S_SET_ARGS,
    S_PURGE_LIST, S_PURGE_WF, S_PURGE_FRAME, S_PURGE_TIMER, S_PURGE_HISTORY, S_PURGE_SIGNALS,
    S_BEGIN, S_COMMIT, S_ROLLBACK, S_DATA_VERSION,
    S_COUNT_OF_STATEMENTS
};

#define ROW_SELECT                                                                                  \
    "SELECT w.id, w.function, w.parent, w.spawn_idx, w.collected, w.status, w.owner, w.error_code," \
    " w.error, w.args, w.result, f.fingerprint, f.state, f.ready, f.await_error, f.attempt, f.seq,"  \
    " f.await_seq, f.wait_kind, f.waiting_on, f.cancel, f.paused, f.policy, f.frame, f.value,"      \
    " f.payload, t.due_ms"                                                                          \
    " FROM durable_workflows w LEFT JOIN durable_frames f ON f.workflow = w.id"                     \
    " LEFT JOIN durable_timers t ON t.workflow = w.id"

/* A row is claimable by ?1 at time ?2 when it is ready, not paused, and not
 * held by a worker whose lease still runs; rows ?1 holds itself only when ?4
 * (after it dropped what it had in memory). */
#define CLAIMABLE                                                                                     \
    "w.status = " DURABLE__SQL_ST(DURABLE__ST_READY) " AND (w.owner IS NULL OR (?4 AND w.owner = ?1)"                                \
    " OR (w.owner <> ?1 AND w.owner NOT IN (SELECT id FROM durable_workers WHERE lease_ms >= ?2)))"  \
    " AND NOT EXISTS (SELECT 1 FROM durable_frames f WHERE f.workflow = w.id AND f.paused)"
#define DUE_TIMERS                                                                                    \
    "SELECT t.workflow FROM durable_timers t WHERE t.due_ms <= ?1"                                    \
    " AND NOT EXISTS (SELECT 1 FROM durable_frames f WHERE f.workflow = t.workflow AND f.paused)"

static const char *const sql_text[S_COUNT_OF_STATEMENTS] = {
    [S_PUT_SCHEMA] = "INSERT OR IGNORE INTO durable_schemas(fingerprint, function, file, frame_size,"
                     " args_size, codec) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    [S_PUT_FIELD] = "INSERT INTO durable_schema_fields(fingerprint, role, idx, parent, name, type, kind,"
                    " offset, size, count, line) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    [S_PUT_AWAIT] = "INSERT INTO durable_schema_awaits(fingerprint, id, kind, callee, occurrence, line,"
                    " value_type, value_kind, value_size, checks_error, saves, place, text)"
                    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
    [S_INSERT_WF] = "INSERT INTO durable_workflows(id, function, parent, spawn_idx, status, args,"
                    " created_ms, updated_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)"
                    " ON CONFLICT(id) DO NOTHING",
    [S_INSERT_FRAME] = "INSERT INTO durable_frames(workflow, fingerprint, state, ready, await_error,"
                       " attempt, seq, await_seq) VALUES (?1, ?2, 0, 0, 0, 0, 0, 0)",
    [S_SET_STATUS] = "UPDATE durable_workflows SET status = ?2, owner = ?3, error_code = ?4, error = ?5,"
                     " updated_ms = ?6 WHERE id = ?1",
    [S_SET_FRAME] = "UPDATE durable_frames SET fingerprint = ?2, state = ?3, ready = ?4, await_error = ?5,"
                    " attempt = ?6, seq = ?7, await_seq = ?8, wait_kind = ?9, waiting_on = ?10,"
                    " cancel = max(cancel, ?11), policy = ?12, frame = ?13, value = ?14, payload = ?15"
                    " WHERE workflow = ?1",
    [S_GET_FLAGS] = "SELECT cancel, paused FROM durable_frames WHERE workflow = ?1",
    [S_SET_FLAGS] = "UPDATE durable_frames SET paused = ?2, cancel = ?3 WHERE workflow = ?1",
    [S_SET_COLLECTED] = "UPDATE durable_workflows SET collected = ?2 WHERE id = ?1",
    [S_SET_TIMER] = "INSERT OR REPLACE INTO durable_timers(workflow, due_ms) VALUES (?1, ?2)",
    [S_DEL_TIMER] = "DELETE FROM durable_timers WHERE workflow = ?1",
    [S_SET_RESULT] = "UPDATE durable_workflows SET result = ?2, status = ?3, owner = NULL, error_code = ?4,"
                     " error = ?5, updated_ms = ?6 WHERE id = ?1",
    [S_DEL_FRAME] = "DELETE FROM durable_frames WHERE workflow = ?1",
    [S_APPEND] = "INSERT INTO durable_history(workflow, checkpoint, await_id, event, attempt,"
                 " error_code, detail, at_ms, fingerprint) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    [S_GET] = ROW_SELECT " WHERE w.id = ?1",
    [S_GET_SPAWNED] = ROW_SELECT " WHERE w.parent = ?1 AND w.spawn_idx = ?2",
    [S_LIST_STATUS] = "SELECT id FROM durable_workflows WHERE status = ?1 ORDER BY rowid",
    [S_LIST_WAITING] = "SELECT w.id FROM durable_workflows w JOIN durable_frames f ON f.workflow = w.id"
                       " WHERE w.status = " DURABLE__SQL_ST(DURABLE__ST_WAITING) " AND f.wait_kind = ?2 AND f.waiting_on = ?1"
                       " ORDER BY w.rowid",
    [S_FAMILY] = "WITH RECURSIVE t(id, depth) AS (SELECT ?1, 0 UNION ALL"
                 " SELECT w.id, t.depth + 1 FROM durable_workflows w JOIN t ON w.parent = t.id)"
                 " SELECT t.id FROM t JOIN durable_workflows w ON w.id = t.id"
                 " WHERE w.status IN " DURABLE__SQL_UNFINISHED " ORDER BY t.depth",
    [S_SPAWNS] = "SELECT count(*), total(status IN " DURABLE__SQL_UNFINISHED "),"
                 " total(status IN " DURABLE__SQL_UNSUCCESSFUL ")"
                 " FROM durable_workflows WHERE parent = ?1 AND spawn_idx IS NOT NULL",
    [S_SPAWN_NEXT] = "SELECT spawn_idx, id FROM durable_workflows WHERE parent = ?1 AND spawn_idx IS NOT NULL"
                     " AND collected = 0 AND status IN " DURABLE__SQL_FINISHED
                     " ORDER BY updated_ms, spawn_idx LIMIT 1",
    [S_DUE_LIST] = DUE_TIMERS " ORDER BY t.due_ms LIMIT ?2",
    /* the worker that fires a timer claims its workflow in the same write */
    [S_FIRE_STATUS] = "UPDATE durable_workflows SET status = " DURABLE__SQL_ST(DURABLE__ST_READY) ", owner = ?3,"
                      " updated_ms = ?2 WHERE id = ?1 AND status = " DURABLE__SQL_ST(DURABLE__ST_WAITING),
    /* A due sleep or signal timeout completes its await with value 0; a due
     * step retry leaves ready = 0 so the step is issued again. */
    [S_FIRE_FRAME] = "UPDATE durable_frames SET ready = (wait_kind <> ?2), wait_kind = ?3,"
                     " waiting_on = NULL, value = NULL, payload = NULL WHERE workflow = ?1",
    [S_CLAIM] = "UPDATE durable_workflows SET owner = ?1 WHERE rowid IN"
                " (SELECT w.rowid FROM durable_workflows w WHERE " CLAIMABLE " ORDER BY w.rowid LIMIT ?3)"
                " RETURNING id",
    [S_HAS_WORK] = "SELECT EXISTS (SELECT 1 FROM durable_workflows w WHERE " CLAIMABLE ")"
                   " OR EXISTS (SELECT 1 FROM durable_timers t WHERE t.due_ms <= ?2 AND NOT EXISTS"
                   " (SELECT 1 FROM durable_frames f WHERE f.workflow = t.workflow AND f.paused))",
    [S_NEXT_DUE] = "SELECT min(t.due_ms) FROM durable_timers t WHERE NOT EXISTS"
                   " (SELECT 1 FROM durable_frames f WHERE f.workflow = t.workflow AND f.paused)",
    [S_COUNT] = "SELECT count(*) FROM durable_workflows WHERE status IN " DURABLE__SQL_LIVE,
    [S_BEAT] = "INSERT INTO durable_workers(id, lease_ms) VALUES (?1, ?2)"
               " ON CONFLICT(id) DO UPDATE SET lease_ms = excluded.lease_ms",
    [S_WORKERS] = "SELECT id FROM durable_workers WHERE lease_ms >= ?1",
    [S_DROP_WORKER] = "DELETE FROM durable_workers WHERE id = ?1",
    [S_RELEASE] = "UPDATE durable_workflows SET owner = NULL WHERE owner = ?1",
    [S_PUT_SIGNAL] = "INSERT INTO durable_signals(workflow, name, data, sent_ms) VALUES (?1, ?2, ?3, ?4)",
    [S_TAKE_SIGNAL] = "DELETE FROM durable_signals WHERE seq = (SELECT min(seq) FROM durable_signals"
                      " WHERE workflow = ?1 AND name = ?2) RETURNING data",
    [S_META_GET] = "SELECT value FROM durable_meta WHERE key = ?1",
    [S_META_SET] = "INSERT OR REPLACE INTO durable_meta(key, value) VALUES (?1, ?2)",
    [S_SCHEMA] = "SELECT function, frame_size, args_size FROM durable_schemas WHERE fingerprint = ?1",
    [S_SCHEMA_FIELDS] = "SELECT role, name, type, kind, offset, size, count, line FROM durable_schema_fields"
                        " WHERE fingerprint = ?1 AND parent IS NULL"
                        " AND role IN ('" DURABLE__ROLE_FIELD "', '" DURABLE__ROLE_PARAM "')"
                        " ORDER BY role, idx",
    [S_SCHEMA_AWAITS] = "SELECT id, kind, callee, occurrence, value_type, value_kind, value_size,"
                        " checks_error, saves, line, place, text FROM durable_schema_awaits"
                        " WHERE fingerprint = ?1 ORDER BY id",
    [S_SET_ARGS] = "UPDATE durable_workflows SET args = ?2 WHERE id = ?1",
    /* finished, old, and not the child of an unfinished parent (which may
     * still read its result) */
    [S_PURGE_LIST] = "SELECT w.id FROM durable_workflows w WHERE w.status IN " DURABLE__SQL_FINISHED
                     " AND w.updated_ms < ?1 AND NOT EXISTS (SELECT 1 FROM durable_workflows p"
                     " WHERE p.id = w.parent AND p.status IN " DURABLE__SQL_UNFINISHED ")",
    [S_PURGE_WF] = "DELETE FROM durable_workflows WHERE id = ?1",
    [S_PURGE_FRAME] = "DELETE FROM durable_frames WHERE workflow = ?1",
    [S_PURGE_TIMER] = "DELETE FROM durable_timers WHERE workflow = ?1",
    [S_PURGE_HISTORY] = "DELETE FROM durable_history WHERE workflow = ?1",
    [S_PURGE_SIGNALS] = "DELETE FROM durable_signals WHERE workflow = ?1",
    [S_BEGIN] = "BEGIN IMMEDIATE",
    [S_COMMIT] = "COMMIT",
    [S_ROLLBACK] = "ROLLBACK",
    [S_DATA_VERSION] = "PRAGMA data_version",
};

static const char schema_sql[] =
    "CREATE TABLE IF NOT EXISTS durable_meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS durable_schemas(fingerprint INTEGER PRIMARY KEY, function TEXT NOT NULL,"
    " file TEXT, frame_size INTEGER NOT NULL, args_size INTEGER NOT NULL, codec INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS durable_schema_fields(fingerprint INTEGER NOT NULL, role TEXT NOT NULL,"
    " idx INTEGER NOT NULL, parent INTEGER, name TEXT NOT NULL, type TEXT, kind INTEGER NOT NULL,"
    " offset INTEGER NOT NULL, size INTEGER NOT NULL, count INTEGER NOT NULL, line INTEGER,"
    " PRIMARY KEY(fingerprint, role, idx));"
    "CREATE TABLE IF NOT EXISTS durable_schema_awaits(fingerprint INTEGER NOT NULL, id INTEGER NOT NULL,"
    " kind INTEGER NOT NULL, callee TEXT, occurrence INTEGER NOT NULL, line INTEGER, value_type TEXT,"
    " value_kind INTEGER, value_size INTEGER, checks_error INTEGER NOT NULL, saves TEXT,"
    " place TEXT, text TEXT, PRIMARY KEY(fingerprint, id));"
    "CREATE TABLE IF NOT EXISTS durable_workflows(id TEXT PRIMARY KEY, function TEXT NOT NULL,"
    " parent TEXT, spawn_idx INTEGER, collected INTEGER NOT NULL DEFAULT 0, status TEXT NOT NULL,"
    " owner TEXT, args BLOB, result BLOB, error_code INTEGER NOT NULL DEFAULT 0, error TEXT,"
    " created_ms INTEGER NOT NULL, updated_ms INTEGER NOT NULL);"
    "CREATE INDEX IF NOT EXISTS durable_workflows_status ON durable_workflows(status);"
    /* Children only: a top-level start then writes no index entry here
     * (every query of it compares parent, which implies NOT NULL).  Files
     * made before keep their full index, which works the same. */
    "CREATE INDEX IF NOT EXISTS durable_workflows_parent ON durable_workflows(parent)"
    " WHERE parent IS NOT NULL;"
    /* Frames and history are WITHOUT ROWID tables keyed by workflow: a
     * checkpoint then rewrites one frames leaf and appends to one history
     * leaf, two pages per await in the WAL (docs/performance.md). */
    "CREATE TABLE IF NOT EXISTS durable_frames(workflow TEXT PRIMARY KEY, fingerprint INTEGER NOT NULL,"
    " state INTEGER NOT NULL, ready INTEGER NOT NULL, await_error INTEGER NOT NULL,"
    " attempt INTEGER NOT NULL, seq INTEGER NOT NULL, await_seq INTEGER NOT NULL,"
    " wait_kind INTEGER NOT NULL DEFAULT 0, waiting_on TEXT, cancel INTEGER NOT NULL DEFAULT 0,"
    " paused INTEGER NOT NULL DEFAULT 0, policy TEXT, frame BLOB, value BLOB, payload BLOB) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS durable_timers(workflow TEXT PRIMARY KEY, due_ms INTEGER NOT NULL)"
    " WITHOUT ROWID;"
    "CREATE INDEX IF NOT EXISTS durable_timers_due ON durable_timers(due_ms);"
    "CREATE TABLE IF NOT EXISTS durable_signals(seq INTEGER PRIMARY KEY, workflow TEXT NOT NULL,"
    " name TEXT NOT NULL, data BLOB, sent_ms INTEGER NOT NULL);"
    "CREATE INDEX IF NOT EXISTS durable_signals_target ON durable_signals(workflow, name, seq);"
    "CREATE TABLE IF NOT EXISTS durable_workers(id TEXT PRIMARY KEY, lease_ms INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS durable_history(workflow TEXT NOT NULL, checkpoint INTEGER NOT NULL,"
    " await_id INTEGER NOT NULL, event TEXT NOT NULL, attempt INTEGER NOT NULL,"
    " error_code INTEGER NOT NULL, detail TEXT, at_ms INTEGER NOT NULL, fingerprint INTEGER,"
    " PRIMARY KEY(workflow, checkpoint)) WITHOUT ROWID;";

typedef struct sqlite_store {
    durable__store base;
    sqlite3 *db;
    sqlite3_stmt *st[S_COUNT_OF_STATEMENTS];
    int64_t data_version;
    durable_options opts;
    uint64_t put_fp; /* the schema put_schema is writing */
} sqlite_store;

static int map_rc(int rc)
{
    switch (rc & 0xff) {
    case SQLITE_OK:
    case SQLITE_DONE:
    case SQLITE_ROW: return DURABLE_OK;
    case SQLITE_NOMEM: return DURABLE_ENOMEM;
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return DURABLE_EBUSY;
    case SQLITE_NOTADB: return DURABLE_ENOTDB;
    case SQLITE_CORRUPT: return DURABLE_ECORRUPT;
    case SQLITE_CONSTRAINT: return DURABLE_EEXIST;
    default: return DURABLE_EIO;
    }
}

static int64_t now_ms(sqlite_store *s)
{
    return s->opts.clock ? s->opts.clock(s->opts.clock_ctx) : durable__realtime_ms();
}

/* Run a prepared statement to completion and reset it. */
static int step_done(sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? DURABLE_OK : map_rc(rc);
}

static void bind_text(sqlite3_stmt *st, int i, const char *t)
{
    if (t)
        sqlite3_bind_text(st, i, t, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, i);
}

static void bind_buf(sqlite3_stmt *st, int i, const durable__buf *b)
{
    if (b && b->p)
        sqlite3_bind_blob(st, i, b->p, (int)b->n, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, i);
}

/* ---- opening ---- */

/* Read the file's first bytes without SQLite: a file that is not an SQLite
 * database at all is refused before any library touches it. */
static int sniff(const char *path, int *is_new)
{
    struct stat sb;
    if (stat(path, &sb) != 0) {
        if (errno == ENOENT) {
            *is_new = 1;
            return DURABLE_OK;
        }
        return DURABLE_EIO;
    }
    if (!S_ISREG(sb.st_mode))
        return DURABLE_ENOTDB;
    *is_new = sb.st_size == 0;
    if (*is_new)
        return DURABLE_OK;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return DURABLE_EIO;
    char hdr[16];
    ssize_t n = read(fd, hdr, sizeof hdr);
    close(fd);
    if (n != (ssize_t)sizeof hdr || memcmp(hdr, "SQLite format 3", 16) != 0)
        return DURABLE_ENOTDB;
    return DURABLE_OK;
}

static int query_int(sqlite3 *db, const char *sql, int64_t *out)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    if (rc != SQLITE_OK)
        return map_rc(rc);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *out = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? DURABLE_OK : map_rc(rc == SQLITE_DONE ? SQLITE_CORRUPT : rc);
}

/* PRAGMA quick_check: "ok", or findings.  A page it could not read is a
 * finding too ("unable to get the page. error code=N"): an I/O error, not
 * damage, so report it as DURABLE_EIO. */
static int quick_check(sqlite3 *db)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(db, "PRAGMA quick_check", -1, &st, NULL);
    if (rc != SQLITE_OK)
        return map_rc(rc);
    int ok = 0, io = 0, rows = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *t = (const char *)sqlite3_column_text(st, 0);
        rows++;
        if (t && strcmp(t, "ok") == 0)
            ok = 1;
        const char *ec = t ? strstr(t, "error code=") : NULL;
        if (ec && (atoi(ec + 11) & 0xff) == SQLITE_IOERR)
            io = 1;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return map_rc(rc);
    if (io)
        return DURABLE_EIO;
    return ok && rows == 1 ? DURABLE_OK : DURABLE_ECORRUPT;
}

static const char *byte_order(void)
{
    const uint16_t probe = 1;
    return *(const unsigned char *)&probe ? "little" : "big";
}

/* Inspect an existing file through a read-only connection.  Sets *fresh when
 * it is an SQLite database with nothing in it (ours to initialise). */
static int columns_conform(sqlite3 *file);

static int inspect(const char *path, int busy_timeout_ms, int *fresh)
{
    /* Without a -wal beside it, the file is complete on its own: open it as
     * immutable, which creates no -wal or -shm file next to someone else's
     * data.  With one (a crash left committed pages in it), read both. */
    char *side = sqlite3_mprintf("%s-wal", path);
    if (!side)
        return DURABLE_ENOMEM;
    struct stat sb;
    int has_wal = stat(side, &sb) == 0;
    sqlite3_free(side);
    /* A URI path: '?', '#' and '%' must be percent-encoded; an absolute
     * path needs the empty authority (file:///...). */
    size_t len = strlen(path);
    char *enc = durable__malloc(3 * len + 1), *e = enc;
    if (!enc)
        return DURABLE_ENOMEM;
    for (const char *c = path; *c; c++)
        e += strchr("?#%", *c) ? sprintf(e, "%%%02X", (unsigned char)*c) : (*e = *c, 1);
    *e = '\0';
    char *uri = sqlite3_mprintf("file:%s%s%s", path[0] == '/' ? "//" : "", enc, has_wal ? "" : "?immutable=1");
    free(enc);
    if (!uri)
        return DURABLE_ENOMEM;
    sqlite3 *db = NULL;
    int rc = sqlite3_open_v2(uri, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL);
    sqlite3_free(uri);
    if (rc == SQLITE_OK) /* other processes may be writing: wait for them as the store will */
        sqlite3_busy_timeout(db, busy_timeout_ms);
    if (rc != SQLITE_OK) {
        sqlite3_close(db);
        return map_rc(rc);
    }
    int64_t app = 0, ver = 0, tables = 0;
    rc = query_int(db, "PRAGMA application_id", &app);
    if (rc == DURABLE_OK)
        rc = query_int(db, "PRAGMA user_version", &ver);
    if (rc == DURABLE_OK)
        rc = query_int(db, "SELECT count(*) FROM sqlite_master", &tables);
    if (rc == DURABLE_OK) {
        if (app == 0 && ver == 0 && tables == 0)
            *fresh = 1;
        else if (app != APPLICATION_ID)
            rc = DURABLE_ENOTDB;
        else if (ver > FORMAT_VERSION)
            rc = DURABLE_ENEWER;
        else if (ver < 1)
            rc = DURABLE_ECORRUPT;
    }
    if (rc == DURABLE_OK && !*fresh) {
        rc = quick_check(db);
        if (rc == DURABLE_OK) {
            /* an I/O error is EIO; only a missing row or table is corruption */
            sqlite3_stmt *st;
            int src = sqlite3_prepare_v2(db, "SELECT value FROM durable_meta WHERE key = 'byte_order'", -1, &st,
                                         NULL);
            if (src != SQLITE_OK) {
                rc = (src & 0xff) == SQLITE_ERROR ? DURABLE_ECORRUPT : map_rc(src); /* no such table */
            } else {
                src = sqlite3_step(st);
                const unsigned char *v = src == SQLITE_ROW ? sqlite3_column_text(st, 0) : NULL;
                if (src != SQLITE_ROW && src != SQLITE_DONE)
                    rc = map_rc(src);
                else if (!v)
                    rc = DURABLE_ECORRUPT;
                else if (strcmp((const char *)v, byte_order()) != 0)
                    rc = DURABLE_ENOTDB; /* written on a machine of the other byte order */
                sqlite3_finalize(st);
            }
        }
        if (rc == DURABLE_OK)
            rc = columns_conform(db);
    }
    sqlite3_close(db);
    return rc;
}

static int exec(sqlite3 *db, const char *sql)
{
    return map_rc(sqlite3_exec(db, sql, NULL, NULL, NULL));
}

/* Create our tables in a file with none (inside the opening transaction). */
static int initialise(sqlite3 *db)
{
    char sql[512];
    int rc = exec(db, schema_sql);
    snprintf(sql, sizeof sql,
             "PRAGMA application_id = %d; PRAGMA user_version = %d;"
             "INSERT OR IGNORE INTO durable_meta VALUES ('format', '%d'), ('byte_order', '%s'),"
             " ('created_by', 'libdurable %d.%d');",
             APPLICATION_ID, FORMAT_VERSION, FORMAT_VERSION, byte_order(), DURABLE_VERSION_MAJOR,
             DURABLE_VERSION_MINOR);
    if (rc == DURABLE_OK)
        rc = exec(db, sql);
    return rc;
}

/* Columns added after format 1 was first written, as (table, column, type).
 * A file from before them opens and gets them, NULL in its old rows (read
 * as "not recorded": upgrade.c and `durable history` treat it so). */
static const char *const added_columns[][3] = {
    {"durable_schema_awaits", "place", "TEXT"},
    {"durable_schema_awaits", "text", "TEXT"},
    {"durable_history", "fingerprint", "INTEGER"},
};

static int has_column(sqlite3 *db, const char *table, const char *column, int *yes)
{
    char sql[128];
    sqlite3_stmt *st;
    *yes = 0;
    snprintf(sql, sizeof sql, "SELECT 1 FROM pragma_table_info('%s') WHERE name = ?1", table);
    int rc = map_rc(sqlite3_prepare_v2(db, sql, -1, &st, NULL));
    if (rc != DURABLE_OK)
        return rc;
    sqlite3_bind_text(st, 1, column, -1, SQLITE_STATIC);
    int src = sqlite3_step(st);
    *yes = src == SQLITE_ROW;
    sqlite3_finalize(st);
    return src == SQLITE_ROW || src == SQLITE_DONE ? DURABLE_OK : map_rc(src);
}

/* Does the file (on a read-only connection) have every column of our schema,
 * but those added_columns may add?  A file whose tables differ is refused
 * (DURABLE_ECORRUPT) before anything is written to it: no statement of the
 * store could run on it.  The reference is schema_sql itself, created in
 * memory, so the check never lags the schema. */
static int columns_conform(sqlite3 *file)
{
    sqlite3 *mem = NULL;
    int rc = map_rc(sqlite3_open_v2(":memory:", &mem, SQLITE_OPEN_READWRITE | SQLITE_OPEN_MEMORY, NULL));
    if (rc == DURABLE_OK)
        rc = exec(mem, schema_sql);
    sqlite3_stmt *st = NULL;
    if (rc == DURABLE_OK)
        rc = map_rc(sqlite3_prepare_v2(mem,
                                       "SELECT m.name, p.name FROM sqlite_master m, pragma_table_info(m.name) p"
                                       " WHERE m.type = 'table'",
                                       -1, &st, NULL));
    int src;
    while (rc == DURABLE_OK && (src = sqlite3_step(st)) == SQLITE_ROW) {
        const char *table = (const char *)sqlite3_column_text(st, 0), *column = (const char *)sqlite3_column_text(st, 1);
        int added = 0, yes = 0;
        for (size_t i = 0; i < sizeof added_columns / sizeof added_columns[0]; i++)
            added |= strcmp(added_columns[i][0], table) == 0 && strcmp(added_columns[i][1], column) == 0;
        if (added)
            continue;
        rc = has_column(file, table, column, &yes);
        if (rc == DURABLE_OK && !yes)
            rc = DURABLE_ECORRUPT;
    }
    if (rc == DURABLE_OK && src != SQLITE_DONE)
        rc = map_rc(src);
    sqlite3_finalize(st);
    sqlite3_close(mem);
    return rc;
}

/* How many of added_columns the file lacks. */
static int count_missing_columns(sqlite3 *db, int *missing)
{
    *missing = 0;
    for (size_t i = 0; i < sizeof added_columns / sizeof added_columns[0]; i++) {
        int yes;
        int rc = has_column(db, added_columns[i][0], added_columns[i][1], &yes);
        if (rc != DURABLE_OK)
            return rc;
        *missing += !yes;
    }
    return DURABLE_OK;
}

/* Add what the file lacks (inside the opening transaction, which holds the
 * write lock: another process may be adding them too, so look again). */
static int add_missing_columns(sqlite3 *db)
{
    int rc = DURABLE_OK;
    for (size_t i = 0; rc == DURABLE_OK && i < sizeof added_columns / sizeof added_columns[0]; i++) {
        int yes;
        rc = has_column(db, added_columns[i][0], added_columns[i][1], &yes);
        if (rc == DURABLE_OK && !yes) {
            char sql[160];
            snprintf(sql, sizeof sql, "ALTER TABLE %s ADD COLUMN %s %s", added_columns[i][0], added_columns[i][1],
                     added_columns[i][2]);
            rc = exec(db, sql);
        }
    }
    return rc;
}

static void sq_close(durable__store *base)
{
    sqlite_store *s = (sqlite_store *)base;
    if (!s)
        return;
    for (int i = 0; i < S_COUNT_OF_STATEMENTS; i++)
        sqlite3_finalize(s->st[i]);
    sqlite3_close(s->db);
    free(s);
}

static const durable__store_ops sqlite_ops;

/* Say why path could not be opened: the code's meaning, or for an I/O error
 * the OS's reason (a missing or unwritable directory named as such). */
static void open_failed(const char *path, int rc, int os_errno)
{
    if (rc != DURABLE_EIO) {
        durable__set_open_error("cannot open %s: %s", path, durable_strerror(rc));
        return;
    }
    char dir[4096] = ".";
    const char *slash = strrchr(path, '/');
    if (slash) { /* "/x.db" lives in "/" */
        size_t n = slash == path ? 1 : (size_t)(slash - path);
        if (n >= sizeof dir)
            n = sizeof dir - 1;
        memcpy(dir, path, n);
        dir[n] = '\0';
    }
    struct stat sb;
    if (stat(dir, &sb) != 0)
        durable__set_open_error("cannot open %s: directory %s: %s", path, dir, strerror(errno));
    else if (!S_ISDIR(sb.st_mode))
        durable__set_open_error("cannot open %s: %s is not a directory", path, dir);
    else if (os_errno)
        durable__set_open_error("cannot open %s: %s", path, strerror(os_errno));
    else if (access(dir, W_OK) != 0)
        durable__set_open_error("cannot open %s: directory %s: %s", path, dir, strerror(errno));
    else
        durable__set_open_error("cannot open %s: %s", path, durable_strerror(rc));
}

/* Switch the file to WAL.  Changing the journal mode takes the file's
 * exclusive lock from a shared one, and SQLite answers SQLITE_BUSY at once,
 * without its busy handler, when another connection holds a lock it waits
 * on (to avoid a deadlock): two processes making one new file at the same
 * moment meet here.  So wait and try again, for busy_timeout_ms in all. */
static int set_wal(sqlite3 *db, int busy_timeout_ms)
{
    int rc;
    for (int waited = 0;; waited += 5) {
        rc = exec(db, "PRAGMA journal_mode = WAL");
        if (rc != DURABLE_EBUSY || waited >= busy_timeout_ms)
            return rc;
        struct timespec ts = {0, 5 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
}

int durable__store_sqlite_open(durable__store **out, const char *path, const durable_options *o)
{
    *out = NULL;
    int is_new = 0, fresh = 0;
    errno = 0;
    int rc = sniff(path, &is_new);
    int os_errno = rc == DURABLE_EIO ? errno : 0;
    if (rc == DURABLE_OK && !is_new)
        rc = inspect(path, o->busy_timeout_ms, &fresh);
    if (rc != DURABLE_OK) {
        open_failed(path, rc, os_errno);
        return rc;
    }

    sqlite_store *s = durable__calloc(1, sizeof *s);
    if (!s) {
        open_failed(path, DURABLE_ENOMEM, 0);
        return DURABLE_ENOMEM;
    }
    s->base.ops = &sqlite_ops;
    s->opts = *o;
    /* NOMUTEX: one durable_rt is used by one thread at a time (durable.h), so
     * SQLite's per-connection mutex is pure cost. */
    rc = map_rc(sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                                NULL));
    /* Everything that writes — our tables in a new file, the columns an older
     * file lacks — and the preparing of every statement happen in one
     * transaction, committed only when all of it worked: a file refused here
     * (one that passed inspect() but whose tables no statement can use) is
     * left as it was.  A file with nothing to add is only read: no write
     * lock is taken.  A new file is in WAL before its tables are made (a crash
     * while making them leaves no hot journal, which the read-only inspection
     * of the next open could not roll back); an existing one only after the
     * commit, as switching writes to its header. */
    int missing = 0, in_txn = 0;
    if (rc == DURABLE_OK) {
        sqlite3_busy_timeout(s->db, o->busy_timeout_ms);
        sqlite3_extended_result_codes(s->db, 1);
        rc = exec(s->db, o->synchronous == DURABLE_SYNC_NORMAL ? "PRAGMA synchronous = NORMAL"
                                                                 : "PRAGMA synchronous = FULL");
    }
    if (rc == DURABLE_OK && (is_new || fresh))
        rc = set_wal(s->db, o->busy_timeout_ms);
    if (rc == DURABLE_OK && !is_new && !fresh)
        rc = count_missing_columns(s->db, &missing);
    if (rc == DURABLE_OK) {
        rc = exec(s->db, is_new || fresh || missing ? "BEGIN IMMEDIATE" : "BEGIN");
        in_txn = rc == DURABLE_OK;
    }
    if (rc == DURABLE_OK && (is_new || fresh))
        rc = initialise(s->db);
    else if (rc == DURABLE_OK && missing)
        rc = add_missing_columns(s->db);
    for (int i = 0; rc == DURABLE_OK && i < S_COUNT_OF_STATEMENTS; i++) {
        int src = sqlite3_prepare_v3(s->db, sql_text[i], -1, SQLITE_PREPARE_PERSISTENT, &s->st[i], NULL);
        /* SQLITE_ERROR here: a table or column we need is not as we made it */
        rc = src == SQLITE_ERROR ? DURABLE_ECORRUPT : map_rc(src);
    }
    if (rc == DURABLE_OK)
        rc = exec(s->db, "COMMIT");
    if (rc != DURABLE_OK && in_txn)
        exec(s->db, "ROLLBACK");
    if (rc == DURABLE_OK && !is_new && !fresh)
        rc = set_wal(s->db, o->busy_timeout_ms);
    if (rc != DURABLE_OK) {
        open_failed(path, rc, s->db ? sqlite3_system_errno(s->db) : 0);
        sq_close(&s->base);
        return rc;
    }
    *out = &s->base;
    return DURABLE_OK;
}

/* ---- transactions ---- */

static int sq_begin(durable__store *base)
{
    return step_done(((sqlite_store *)base)->st[S_BEGIN]);
}

static int sq_commit(durable__store *base)
{
    return step_done(((sqlite_store *)base)->st[S_COMMIT]);
}

static void sq_rollback(durable__store *base)
{
    sqlite_store *s = (sqlite_store *)base;
    if (!sqlite3_get_autocommit(s->db))
        step_done(s->st[S_ROLLBACK]);
}

/* ---- schemas ---- */

static int put_field(void *ctx, const char *role, int idx, int parent, const durable_field *f)
{
    sqlite_store *s = ctx;
    sqlite3_stmt *st = s->st[S_PUT_FIELD];
    sqlite3_bind_int64(st, 1, (sqlite3_int64)s->put_fp);
    bind_text(st, 2, role);
    sqlite3_bind_int(st, 3, idx);
    if (parent >= 0)
        sqlite3_bind_int(st, 4, parent);
    bind_text(st, 5, f->name);
    bind_text(st, 6, f->type);
    sqlite3_bind_int(st, 7, f->kind);
    sqlite3_bind_int64(st, 8, f->offset);
    sqlite3_bind_int64(st, 9, f->size);
    sqlite3_bind_int64(st, 10, f->count);
    sqlite3_bind_int64(st, 11, f->line);
    return step_done(st);
}

static int put_await(void *ctx, const durable__await_row *a)
{
    sqlite_store *s = ctx;
    sqlite3_stmt *st = s->st[S_PUT_AWAIT];
    sqlite3_bind_int64(st, 1, (sqlite3_int64)s->put_fp);
    sqlite3_bind_int(st, 2, a->id);
    sqlite3_bind_int(st, 3, a->kind);
    bind_text(st, 4, a->callee);
    sqlite3_bind_int(st, 5, a->occurrence);
    sqlite3_bind_int64(st, 6, a->line);
    if (a->value) {
        bind_text(st, 7, a->value->type);
        sqlite3_bind_int(st, 8, a->value->kind);
        sqlite3_bind_int64(st, 9, a->value->size);
    }
    sqlite3_bind_int(st, 10, a->checks_error);
    bind_text(st, 11, a->saves);
    bind_text(st, 12, a->place);
    bind_text(st, 13, a->text);
    return step_done(st);
}

static int sq_put_schema(durable__store *base, const durable_func *fn)
{
    sqlite_store *s = (sqlite_store *)base;
    sqlite3_stmt *st = s->st[S_PUT_SCHEMA];
    sqlite3_bind_int64(st, 1, (sqlite3_int64)fn->fingerprint);
    bind_text(st, 2, fn->name);
    bind_text(st, 3, fn->file);
    sqlite3_bind_int64(st, 4, fn->frame_size);
    sqlite3_bind_int64(st, 5, fn->args_size);
    sqlite3_bind_int(st, 6, DURABLE__CODEC_VERSION);
    int rc = step_done(st);
    if (rc != DURABLE_OK || sqlite3_changes(s->db) == 0)
        return rc; /* already there */
    s->put_fp = fn->fingerprint;
    return durable__schema_rows(fn, &(durable__schema_sink){put_field, put_await, s});
}

/* ---- workflow rows ---- */

static int sq_insert(durable__store *base, const durable__row *r)
{
    sqlite_store *s = (sqlite_store *)base;
    sqlite3_stmt *st = s->st[S_INSERT_WF];
    bind_text(st, 1, r->id);
    bind_text(st, 2, r->function);
    bind_text(st, 3, r->parent);
    if (r->spawn_idx >= 0)
        sqlite3_bind_int(st, 4, r->spawn_idx);
    bind_text(st, 5, durable__status_text(r->status));
    bind_buf(st, 6, &r->args);
    sqlite3_bind_int64(st, 7, now_ms(s));
    int rc = step_done(st);
    if (rc == DURABLE_OK && sqlite3_changes(s->db) == 0)
        return DURABLE_EEXIST; /* the id is taken: nothing written */
    if (rc != DURABLE_OK)
        return rc;
    st = s->st[S_INSERT_FRAME];
    bind_text(st, 1, r->id);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)r->fingerprint);
    return step_done(st);
}

/* Run one statement that affects the row `id` only. */
static int by_id(sqlite_store *s, int which, const char *id)
{
    sqlite3_stmt *st = s->st[which];
    bind_text(st, 1, id);
    return step_done(st);
}

static int sq_update(durable__store *base, durable__row *r, int what)
{
    sqlite_store *s = (sqlite_store *)base;
    sqlite3_stmt *st;
    int rc = DURABLE_OK;
    if (what & DURABLE__W_STATUS) {
        st = s->st[S_SET_STATUS];
        bind_text(st, 1, r->id);
        bind_text(st, 2, durable__status_text(r->status));
        bind_text(st, 3, r->owner);
        sqlite3_bind_int(st, 4, r->error_code);
        bind_text(st, 5, r->error);
        sqlite3_bind_int64(st, 6, now_ms(s));
        rc = step_done(st);
    }
    if (rc == DURABLE_OK && (what & DURABLE__W_FRAME)) {
        st = s->st[S_SET_FRAME];
        bind_text(st, 1, r->id);
        sqlite3_bind_int64(st, 2, (sqlite3_int64)r->fingerprint);
        sqlite3_bind_int(st, 3, r->state);
        sqlite3_bind_int(st, 4, r->ready);
        sqlite3_bind_int(st, 5, r->await_error);
        sqlite3_bind_int(st, 6, r->attempt);
        sqlite3_bind_int64(st, 7, (sqlite3_int64)r->seq);
        sqlite3_bind_int64(st, 8, (sqlite3_int64)r->await_seq);
        sqlite3_bind_int(st, 9, r->wait_kind);
        bind_text(st, 10, r->waiting_on);
        sqlite3_bind_int(st, 11, r->cancel);
        bind_text(st, 12, r->policy);
        bind_buf(st, 13, &r->frame);
        bind_buf(st, 14, &r->value);
        bind_buf(st, 15, &r->payload);
        rc = step_done(st);
    }
    if (rc == DURABLE_OK && (what & DURABLE__W_FLAGS)) {
        st = s->st[S_SET_FLAGS];
        bind_text(st, 1, r->id);
        sqlite3_bind_int(st, 2, r->paused);
        sqlite3_bind_int(st, 3, r->cancel);
        rc = step_done(st);
    }
    if (rc == DURABLE_OK && (what & DURABLE__W_COLLECTED)) {
        st = s->st[S_SET_COLLECTED];
        bind_text(st, 1, r->id);
        sqlite3_bind_int(st, 2, r->collected);
        rc = step_done(st);
    }
    if (rc == DURABLE_OK && (what & DURABLE__W_TIMER)) {
        if (r->wake_ms > 0) {
            st = s->st[S_SET_TIMER];
            bind_text(st, 1, r->id);
            sqlite3_bind_int64(st, 2, r->wake_ms);
            rc = step_done(st);
        } else {
            rc = by_id(s, S_DEL_TIMER, r->id);
        }
    }
    if (rc == DURABLE_OK && (what & DURABLE__W_RESULT)) { /* one statement for the end, and the frame goes */
        st = s->st[S_SET_RESULT];
        bind_text(st, 1, r->id);
        bind_buf(st, 2, &r->result);
        bind_text(st, 3, durable__status_text(r->status));
        sqlite3_bind_int(st, 4, r->error_code);
        bind_text(st, 5, r->error);
        sqlite3_bind_int64(st, 6, now_ms(s));
        rc = step_done(st);
        if (rc == DURABLE_OK)
            rc = by_id(s, S_DEL_FRAME, r->id);
    }
    return rc;
}

static int sq_append(durable__store *base, const durable__event *e)
{
    sqlite_store *s = (sqlite_store *)base;
    sqlite3_stmt *st = s->st[S_APPEND];
    bind_text(st, 1, e->workflow);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)e->seq);
    sqlite3_bind_int(st, 3, e->await_id);
    bind_text(st, 4, e->what);
    sqlite3_bind_int(st, 5, e->attempt);
    sqlite3_bind_int(st, 6, e->error_code);
    bind_text(st, 7, e->detail);
    sqlite3_bind_int64(st, 8, now_ms(s));
    sqlite3_bind_int64(st, 9, (sqlite3_int64)e->fingerprint);
    return step_done(st);
}

static char *col_strdup(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return t ? durable__strdup((const char *)t) : NULL;
}

static int col_buf(sqlite3_stmt *st, int i, durable__buf *b)
{
    b->n = 0;
    if (sqlite3_column_type(st, i) == SQLITE_NULL)
        return DURABLE_OK;
    /* Our blobs always hold at least a codec header, so an empty one is
     * treated like NULL. */
    const void *p = sqlite3_column_blob(st, i);
    int n = sqlite3_column_bytes(st, i);
    return n > 0 ? durable__buf_put(b, p, (size_t)n) : DURABLE_OK;
}

/* A text column that may be NULL into *out: ENOMEM when it is not NULL and
 * could not be copied (a NULL there would mean something else). */
static int col_text(sqlite3_stmt *st, int i, char **out)
{
    *out = col_strdup(st, i);
    return *out || sqlite3_column_type(st, i) == SQLITE_NULL ? DURABLE_OK : DURABLE_ENOMEM;
}

/* Fill r from the current row of a ROW_SELECT statement. */
static int read_row(sqlite3_stmt *st, durable__row *r)
{
    memset(r, 0, sizeof *r);
    int rc = DURABLE_OK;
    r->id = col_strdup(st, 0);
    r->function = col_strdup(st, 1);
    if (!r->id || !r->function)
        rc = DURABLE_ENOMEM;
    static const int text_cols[] = {2, 6, 8, 19, 22};
    char **text_out[] = {&r->parent, &r->owner, &r->error, &r->waiting_on, &r->policy};
    for (size_t k = 0; k < sizeof text_cols / sizeof *text_cols; k++)
        if (col_text(st, text_cols[k], text_out[k]) != DURABLE_OK)
            rc = DURABLE_ENOMEM;
    r->spawn_idx = sqlite3_column_type(st, 3) == SQLITE_NULL ? -1 : sqlite3_column_int(st, 3);
    r->collected = sqlite3_column_int(st, 4);
    r->status = durable__status_parse((const char *)sqlite3_column_text(st, 5));
    r->error_code = sqlite3_column_int(st, 7);
    if (rc == DURABLE_OK && !r->status)
        rc = DURABLE_ECORRUPT;
    if (rc == DURABLE_OK)
        rc = col_buf(st, 9, &r->args);
    if (rc == DURABLE_OK)
        rc = col_buf(st, 10, &r->result);
    r->fingerprint = (uint64_t)sqlite3_column_int64(st, 11);
    r->state = sqlite3_column_int(st, 12);
    r->ready = sqlite3_column_int(st, 13);
    r->await_error = sqlite3_column_int(st, 14);
    r->attempt = sqlite3_column_int(st, 15);
    r->seq = (uint64_t)sqlite3_column_int64(st, 16);
    r->await_seq = (uint64_t)sqlite3_column_int64(st, 17);
    r->wait_kind = sqlite3_column_int(st, 18);
    r->cancel = sqlite3_column_int(st, 20);
    r->paused = sqlite3_column_int(st, 21);
    if (rc == DURABLE_OK)
        rc = col_buf(st, 23, &r->frame);
    if (rc == DURABLE_OK)
        rc = col_buf(st, 24, &r->value);
    if (rc == DURABLE_OK)
        rc = col_buf(st, 25, &r->payload);
    r->wake_ms = sqlite3_column_int64(st, 26);
    if (rc != DURABLE_OK)
        durable__row_clear(r);
    return rc;
}

/* Read the one row a bound ROW_SELECT statement finds. */
static int get_row(sqlite3_stmt *st, durable__row *out)
{
    int rc = sqlite3_step(st);
    int ret = rc == SQLITE_ROW ? read_row(st, out) : rc == SQLITE_DONE ? DURABLE_ENOENT : map_rc(rc);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return ret;
}

static int sq_get(durable__store *base, const char *id, durable__row *out)
{
    sqlite_store *s = (sqlite_store *)base;
    sqlite3_stmt *st = s->st[S_GET];
    memset(out, 0, sizeof *out); /* empty on every failure: callers may clear it */
    bind_text(st, 1, id);
    return get_row(st, out);
}

static int sq_get_spawned(durable__store *base, const char *parent, int h, durable__row *out)
{
    sqlite_store *s = (sqlite_store *)base;
    sqlite3_stmt *st = s->st[S_GET_SPAWNED];
    memset(out, 0, sizeof *out);
    bind_text(st, 1, parent);
    sqlite3_bind_int(st, 2, h);
    return get_row(st, out);
}

static int sq_flags(durable__store *base, const char *id, int *cancel, int *paused)
{
    sqlite_store *s = (sqlite_store *)base;
    sqlite3_stmt *st = s->st[S_GET_FLAGS];
    bind_text(st, 1, id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *cancel = sqlite3_column_int(st, 0);
        *paused = sqlite3_column_int(st, 1);
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc == SQLITE_ROW ? DURABLE_OK : rc == SQLITE_DONE ? DURABLE_ENOENT : map_rc(rc);
}

static int sq_savepoint(durable__store *base, int op)
{
    static const char *const sql[] = {"SAVEPOINT durable_step", "RELEASE durable_step",
                                      "ROLLBACK TO durable_step; RELEASE durable_step"};
    return op >= 0 && op <= 2 ? exec(((sqlite_store *)base)->db, sql[op]) : DURABLE_EINVAL;
}

/* Step a bound statement to its end, collecting column 0 of each row. */
static int collect_ids(sqlite3_stmt *st, char ***ids, size_t *n)
{
    size_t cap = 0;
    int rc, ret = DURABLE_OK;
    *ids = NULL;
    *n = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n == cap) {
            size_t nc = cap ? cap * 2 : 16;
            char **v = durable__realloc(*ids, nc * sizeof *v);
            if (!v) {
                ret = DURABLE_ENOMEM;
                break;
            }
            *ids = v;
            cap = nc;
        }
        char *id = col_strdup(st, 0);
        if (!id) {
            ret = DURABLE_ENOMEM;
            break;
        }
        (*ids)[(*n)++] = id;
    }
    if (ret == DURABLE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW)
        ret = map_rc(rc);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (ret != DURABLE_OK) {
        durable__ids_free(*ids, *n);
        *ids = NULL;
        *n = 0;
    }
    return ret;
}

static int sq_list(durable__store *base, int status, const char *name, char ***ids, size_t *n)
{
    sqlite_store *s = (sqlite_store *)base;
    sqlite3_stmt *st = s->st[name ? S_LIST_WAITING : S_LIST_STATUS];
    bind_text(st, 1, name ? name : durable__status_text(status));
    if (name)
        sqlite3_bind_int(st, 2, DURABLE__WAIT_SIGNAL);
    return collect_ids(st, ids, n);
}

static int sq_family(durable__store *base, const char *id, char ***ids, size_t *n)
{
    sqlite_store *s = (sqlite_store *)base;
    sqlite3_stmt *st = s->st[S_FAMILY];
    bind_text(st, 1, id);
    return collect_ids(st, ids, n);
}

static int sq_spawns(durable__store *base, const char *parent, durable__spawns *out)
{
    sqlite_store *s = (sqlite_store *)base;
    memset(out, 0, sizeof *out);
    out->finished_uncollected = -1;
    sqlite3_stmt *st = s->st[S_SPAWNS];
    bind_text(st, 1, parent);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        out->total = sqlite3_column_int(st, 0);
        out->unfinished = (int)sqlite3_column_double(st, 1);
        out->failed = (int)sqlite3_column_double(st, 2);
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (rc != SQLITE_ROW)
        return map_rc(rc);
    st = s->st[S_SPAWN_NEXT];
    bind_text(st, 1, parent);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        out->finished_uncollected = sqlite3_column_int(st, 0);
        out->finished_id = col_strdup(st, 1);
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (rc == SQLITE_ROW && !out->finished_id)
        return DURABLE_ENOMEM;
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? DURABLE_OK : map_rc(rc);
}

/* ---- timers, claims, counts ---- */

/* Fire up to `limit` due timers: a list from the due_ms index, then point
 * updates each (set-based statements re-read every due timer).  The
 * workflows that became ready are claimed by `owner` and their ids returned
 * (a held one fires too, but stays held and is not returned). */
static int sq_fire_timers(durable__store *base, const char *owner, int64_t now, int limit, char ***ids, size_t *n)
{
    sqlite_store *s = (sqlite_store *)base;
    sqlite3_stmt *st = s->st[S_DUE_LIST];
    sqlite3_bind_int64(st, 1, now);
    sqlite3_bind_int(st, 2, limit);
    int rc = collect_ids(st, ids, n);
    size_t kept = 0, done = 0; /* [0, kept) kept, [kept, done) moved or freed, [done, n) not seen */
    for (size_t i = 0; rc == DURABLE_OK && i < *n; i++, done++) {
        st = s->st[S_FIRE_STATUS];
        bind_text(st, 1, (*ids)[i]);
        sqlite3_bind_int64(st, 2, now_ms(s));
        bind_text(st, 3, owner);
        rc = step_done(st);
        int claimed = sqlite3_changes(s->db) > 0;
        if (rc == DURABLE_OK) {
            st = s->st[S_FIRE_FRAME];
            bind_text(st, 1, (*ids)[i]);
            sqlite3_bind_int(st, 2, DURABLE__WAIT_RETRY);
            sqlite3_bind_int(st, 3, DURABLE__WAIT_NONE);
            rc = step_done(st);
        }
        if (rc == DURABLE_OK)
            rc = by_id(s, S_DEL_TIMER, (*ids)[i]);
        if (claimed)
            (*ids)[kept++] = (*ids)[i];
        else
            free((*ids)[i]);
    }
    if (rc != DURABLE_OK) {
        for (size_t i = done; i < *n; i++) /* not yet seen */
            free((*ids)[i]);
        durable__ids_free(*ids, kept);
        *ids = NULL;
        *n = 0;
        return rc;
    }
    *n = kept;
    return rc;
}

static int sq_claim(durable__store *base, const char *owner, int64_t now, int limit, int mine, char ***ids,
                    size_t *n)
{
    sqlite_store *s = (sqlite_store *)base;
    sqlite3_stmt *st = s->st[S_CLAIM];
    bind_text(st, 1, owner);
    sqlite3_bind_int64(st, 2, now);
    sqlite3_bind_int(st, 3, limit);
    sqlite3_bind_int(st, 4, mine);
    return collect_ids(st, ids, n);
}

/* Run a bound statement that yields one integer (NULL gives 0). */
static int one_int(sqlite3_stmt *st, int64_t *out)
{
    int rc = sqlite3_step(st);
    *out = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? DURABLE_OK : map_rc(rc);
}

static int sq_has_work(durable__store *base, const char *owner, int64_t now, int *yes)
{
    sqlite_store *s = (sqlite_store *)base;
    sqlite3_stmt *st = s->st[S_HAS_WORK];
    bind_text(st, 1, owner);
    sqlite3_bind_int64(st, 2, now);
    sqlite3_bind_int(st, 4, 0);
    int64_t v;
    int rc = one_int(st, &v);
    *yes = v != 0;
    return rc;
}

static int sq_next_due(durable__store *base, int64_t *due)
{
    return one_int(((sqlite_store *)base)->st[S_NEXT_DUE], due);
}

static int sq_count_unfinished(durable__store *base, int *n)
{
    int64_t v;
    int rc = one_int(((sqlite_store *)base)->st[S_COUNT], &v);
    *n = (int)v;
    return rc;
}

static int sq_changed(durable__store *base, int *yes)
{
    sqlite_store *s = (sqlite_store *)base;
    int64_t v;
    int rc = one_int(s->st[S_DATA_VERSION], &v);
    *yes = rc == DURABLE_OK && v != s->data_version;
    s->data_version = v;
    return rc;
}

/* ---- workers ---- */

static int sq_worker_beat(durable__store *base, const char *owner, int64_t lease_until)
{
    sqlite_store *s = (sqlite_store *)base;
    sqlite3_stmt *st = s->st[S_BEAT];
    bind_text(st, 1, owner);
    sqlite3_bind_int64(st, 2, lease_until);
    return step_done(st);
}

static int sq_workers(durable__store *base, int64_t now, char ***ids, size_t *n)
{
    sqlite_store *s = (sqlite_store *)base;
    sqlite3_stmt *st = s->st[S_WORKERS];
    sqlite3_bind_int64(st, 1, now);
    return collect_ids(st, ids, n);
}

static int sq_worker_drop(durable__store *base, const char *owner)
{
    sqlite_store *s = (sqlite_store *)base;
    int rc = by_id(s, S_DROP_WORKER, owner);
    return rc == DURABLE_OK ? by_id(s, S_RELEASE, owner) : rc;
}

/* ---- signals ---- */

static int sq_put_signal(durable__store *base, const char *id, const char *name, const void *data, size_t len)
{
    sqlite_store *s = (sqlite_store *)base;
    if (len > (size_t)INT32_MAX)
        return DURABLE_ELIMIT;
    sqlite3_stmt *st = s->st[S_PUT_SIGNAL];
    bind_text(st, 1, id);
    bind_text(st, 2, name);
    sqlite3_bind_blob(st, 3, len ? data : "", (int)len, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, now_ms(s));
    return step_done(st);
}

static int sq_take_signal(durable__store *base, const char *id, const char *name, durable__buf *data)
{
    sqlite_store *s = (sqlite_store *)base;
    sqlite3_stmt *st = s->st[S_TAKE_SIGNAL];
    bind_text(st, 1, id);
    bind_text(st, 2, name);
    data->n = 0;
    int rc = sqlite3_step(st), ret;
    if (rc == SQLITE_ROW) {
        const void *p = sqlite3_column_blob(st, 0);
        int n = sqlite3_column_bytes(st, 0);
        ret = durable__buf_put(data, p ? p : "", (size_t)n);
        rc = sqlite3_step(st);
    } else {
        ret = rc == SQLITE_DONE ? DURABLE_ENOENT : map_rc(rc);
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return ret;
}

/* ---- schemas read back ---- */

static int sq_schema(durable__store *base, uint64_t fingerprint, durable__schema *out)
{
    sqlite_store *s = (sqlite_store *)base;
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st = s->st[S_SCHEMA];
    sqlite3_bind_int64(st, 1, (sqlite3_int64)fingerprint);
    int rc = sqlite3_step(st), ret = DURABLE_OK;
    if (rc == SQLITE_ROW) {
        out->function = col_strdup(st, 0);
        out->frame_size = (uint32_t)sqlite3_column_int64(st, 1);
        out->args_size = (uint32_t)sqlite3_column_int64(st, 2);
        ret = out->function ? DURABLE_OK : DURABLE_ENOMEM;
    } else {
        ret = rc == SQLITE_DONE ? DURABLE_ENOENT : map_rc(rc);
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);

    st = s->st[S_SCHEMA_FIELDS];
    sqlite3_bind_int64(st, 1, (sqlite3_int64)fingerprint);
    while (ret == DURABLE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        durable_field *f = durable__schema_add_field(out, (const char *)sqlite3_column_text(st, 0));
        if (!f) {
            ret = DURABLE_ENOMEM;
            break;
        }
        f->name = col_strdup(st, 1);
        f->type = col_strdup(st, 2);
        f->kind = sqlite3_column_int(st, 3);
        f->offset = (uint32_t)sqlite3_column_int64(st, 4);
        f->size = (uint32_t)sqlite3_column_int64(st, 5);
        f->count = (uint32_t)sqlite3_column_int64(st, 6);
        f->line = (uint32_t)sqlite3_column_int64(st, 7);
        if (!f->name || !f->type)
            ret = DURABLE_ENOMEM;
    }
    if (ret == DURABLE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW)
        ret = map_rc(rc);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);

    st = s->st[S_SCHEMA_AWAITS];
    sqlite3_bind_int64(st, 1, (sqlite3_int64)fingerprint);
    while (ret == DURABLE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        durable__schema_await *a = durable__schema_add_await(out);
        if (!a) {
            ret = DURABLE_ENOMEM;
            break;
        }
        a->id = sqlite3_column_int(st, 0);
        a->kind = sqlite3_column_int(st, 1);
        a->callee = col_strdup(st, 2);
        a->occurrence = sqlite3_column_int(st, 3);
        a->value.type = col_strdup(st, 4);
        a->value.kind = sqlite3_column_int(st, 5);
        a->value.size = (uint32_t)sqlite3_column_int64(st, 6);
        a->checks_error = sqlite3_column_int(st, 7);
        a->line = (uint32_t)sqlite3_column_int64(st, 9);
        a->place = col_strdup(st, 10); /* NULL: written before places were stored */
        a->text = col_strdup(st, 11);
        if (!a->callee)
            ret = sqlite3_column_type(st, 2) == SQLITE_NULL ? DURABLE_ECORRUPT : DURABLE_ENOMEM;
        else
            ret = durable__schema_parse_saves(a, (const char *)sqlite3_column_text(st, 8));
        if (ret == DURABLE_OK && !a->value.type && sqlite3_column_type(st, 4) != SQLITE_NULL)
            ret = DURABLE_ENOMEM;
        if (ret == DURABLE_OK && ((!a->place && sqlite3_column_type(st, 10) != SQLITE_NULL) ||
                                  (!a->text && sqlite3_column_type(st, 11) != SQLITE_NULL)))
            ret = DURABLE_ENOMEM;
    }
    if (ret == DURABLE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW)
        ret = map_rc(rc);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return durable__schema_done(out, ret);
}

static int sq_set_args(durable__store *base, const char *id, const durable__buf *args)
{
    sqlite_store *s = (sqlite_store *)base;
    sqlite3_stmt *st = s->st[S_SET_ARGS];
    bind_text(st, 1, id);
    bind_buf(st, 2, args);
    return step_done(st);
}

/* ---- purge ---- */

static int sq_purge(durable__store *base, int64_t before_ms, int *count)
{
    sqlite_store *s = (sqlite_store *)base;
    sqlite3_stmt *st = s->st[S_PURGE_LIST];
    sqlite3_bind_int64(st, 1, before_ms);
    char **ids;
    size_t n;
    int rc = collect_ids(st, &ids, &n);
    static const int what[] = {S_PURGE_WF, S_PURGE_FRAME, S_PURGE_TIMER, S_PURGE_HISTORY, S_PURGE_SIGNALS};
    for (size_t i = 0; rc == DURABLE_OK && i < n; i++)
        for (size_t k = 0; rc == DURABLE_OK && k < sizeof what / sizeof *what; k++)
            rc = by_id(s, what[k], ids[i]);
    if (rc == DURABLE_OK)
        *count = (int)n;
    durable__ids_free(ids, n); /* NULL and 0 if the listing failed */
    return rc;
}

/* ---- meta ---- */

static int sq_meta_get(durable__store *base, const char *key, int64_t *value)
{
    sqlite_store *s = (sqlite_store *)base;
    sqlite3_stmt *st = s->st[S_META_GET];
    bind_text(st, 1, key);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *value = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc == SQLITE_ROW ? DURABLE_OK : rc == SQLITE_DONE ? DURABLE_ENOENT : map_rc(rc);
}

static int sq_meta_set(durable__store *base, const char *key, int64_t value)
{
    sqlite_store *s = (sqlite_store *)base;
    sqlite3_stmt *st = s->st[S_META_SET];
    bind_text(st, 1, key);
    sqlite3_bind_int64(st, 2, value);
    return step_done(st);
}

void *durable__store_sqlite_handle(durable__store *base)
{
    return base && base->ops->close == sq_close ? ((sqlite_store *)base)->db : NULL;
}

/* ---- reading, for the `durable` tool (store.h, durable__read_ops) ----
 *
 * A store opened with durable__store_sqlite_open_read holds a read-only
 * connection and no prepared statements: each read operation prepares its
 * own, so a file from before the columns added_columns adds is read as it
 * is (the tool never adds them: it does not write). */

typedef struct sqlite_reader {
    sqlite_store s;
    int hist_fp; /* durable_history has its fingerprint column */
    int marks;   /* durable_schema_awaits has place and text */
} sqlite_reader;

static int rd_prepare(sqlite_store *s, const char *sql, sqlite3_stmt **st)
{
    int rc = sqlite3_prepare_v2(s->db, sql, -1, st, NULL);
    if (rc == SQLITE_OK)
        return DURABLE_OK;
    *st = NULL;
    return (rc & 0xff) == SQLITE_ERROR ? DURABLE_ECORRUPT : map_rc(rc); /* a table or column not ours */
}

/* After the last sqlite3_step (rc) of st: finalize, and the code. */
static int rd_done(sqlite3_stmt *st, int rc)
{
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? DURABLE_OK : map_rc(rc);
}

static const char *rd_text(sqlite3_stmt *st, int i)
{
    return (const char *)sqlite3_column_text(st, i);
}

/* The columns of a listed workflow, as LISTED_SELECT names them. */
#define LISTED_SELECT                                                                                       \
    "SELECT w.id, w.function, w.parent, w.spawn_idx, w.status, f.workflow IS NOT NULL,"                    \
    " coalesce(f.paused, 0), f.state, a.callee, a.line, w.created_ms, w.updated_ms"                       \
    " FROM durable_workflows w LEFT JOIN durable_frames f ON f.workflow = w.id"                           \
    " LEFT JOIN durable_schema_awaits a ON a.fingerprint = f.fingerprint AND a.id = f.state"

static int rd_listed(sqlite3_stmt *st, void (*each)(void *, const durable__listed *), void *ctx)
{
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        durable__listed w = {0};
        w.id = rd_text(st, 0) ? rd_text(st, 0) : "?";
        w.function = rd_text(st, 1) ? rd_text(st, 1) : "?";
        w.parent = rd_text(st, 2);
        w.spawn_idx = sqlite3_column_type(st, 3) == SQLITE_NULL ? -1 : sqlite3_column_int(st, 3);
        w.status = durable__status_parse(rd_text(st, 4));
        w.paused = sqlite3_column_int64(st, 6) != 0;
        w.state = sqlite3_column_int(st, 5) ? sqlite3_column_int(st, 7) : -1;
        w.callee = rd_text(st, 8);
        w.line = sqlite3_column_int64(st, 9);
        w.created_ms = sqlite3_column_int64(st, 10);
        w.updated_ms = sqlite3_column_int64(st, 11);
        each(ctx, &w);
    }
    return rd_done(st, rc);
}

static int sq_read_list(durable__store *base, const durable__filter *f, int64_t offset, int64_t limit,
                        void (*each)(void *, const durable__listed *), void *ctx)
{
    char where[1024], sql[2048];
    const char *params[10];
    int np;
    durable__filter_sql(f, '?', 1, where, sizeof where, params, &np);
    snprintf(sql, sizeof sql, LISTED_SELECT "%s ORDER BY w.rowid LIMIT ?%d OFFSET ?%d", where, np + 1, np + 2);
    sqlite3_stmt *st;
    int rc = rd_prepare((sqlite_store *)base, sql, &st);
    if (rc != DURABLE_OK)
        return rc;
    for (int i = 0; i < np; i++)
        bind_text(st, i + 1, params[i]);
    sqlite3_bind_int64(st, np + 1, limit < 0 ? -1 : limit);
    sqlite3_bind_int64(st, np + 2, offset);
    return rd_listed(st, each, ctx);
}

static int sq_read_count(durable__store *base, const durable__filter *f, int64_t *n)
{
    char where[1024], sql[1536];
    const char *params[10];
    int np;
    durable__filter_sql(f, '?', 1, where, sizeof where, params, &np);
    /* without a status the frames need not be joined */
    snprintf(sql, sizeof sql, "SELECT count(*) FROM durable_workflows w%s%s",
             f->statuses ? " LEFT JOIN durable_frames f ON f.workflow = w.id" : "", where);
    sqlite3_stmt *st;
    *n = 0;
    int rc = rd_prepare((sqlite_store *)base, sql, &st);
    if (rc != DURABLE_OK)
        return rc;
    for (int i = 0; i < np; i++)
        bind_text(st, i + 1, params[i]);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *n = sqlite3_column_int64(st, 0);
        rc = SQLITE_DONE;
    }
    return rd_done(st, rc);
}

static int sq_read_workflow(durable__store *base, const char *id, durable__detail *out)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st;
    int rc = rd_prepare((sqlite_store *)base,
                        "SELECT r.*, x.created_ms, x.updated_ms,"
                        " EXISTS (SELECT 1 FROM durable_frames y WHERE y.workflow = r.id), r.due_ms IS NOT NULL"
                        " FROM (" ROW_SELECT " WHERE w.id = ?1) r JOIN durable_workflows x ON x.id = r.id",
                        &st);
    if (rc != DURABLE_OK)
        return rc;
    bind_text(st, 1, id);
    int src = sqlite3_step(st);
    if (src == SQLITE_ROW) {
        rc = read_row(st, &out->row);
        out->created_ms = sqlite3_column_int64(st, 27);
        out->updated_ms = sqlite3_column_int64(st, 28);
        out->has_frame = sqlite3_column_int(st, 29);
        out->has_timer = sqlite3_column_int(st, 30);
        sqlite3_finalize(st);
        return rc;
    }
    rc = rd_done(st, src);
    return rc == DURABLE_OK ? DURABLE_ENOENT : rc;
}

static int sq_read_children(durable__store *base, const char *id, void (*each)(void *, const durable__listed *),
                            void *ctx)
{
    sqlite3_stmt *st;
    int rc = rd_prepare((sqlite_store *)base, LISTED_SELECT " WHERE w.parent = ?1 ORDER BY w.rowid", &st);
    if (rc != DURABLE_OK)
        return rc;
    bind_text(st, 1, id);
    return rd_listed(st, each, ctx);
}

static int sq_read_history(durable__store *base, const char *id, int64_t offset, int64_t limit,
                           void (*each)(void *, const durable__history_row *), void *ctx)
{
    sqlite_reader *r = (sqlite_reader *)base;
    char sql[640];
    snprintf(sql, sizeof sql,
             "SELECT h.workflow, w.function, h.checkpoint, h.await_id, h.event, h.attempt, h.error_code,"
             " h.detail, h.at_ms, %s FROM durable_history h LEFT JOIN durable_workflows w ON w.id = h.workflow"
             "%s ORDER BY h.workflow, h.checkpoint, h.at_ms LIMIT ?2 OFFSET ?3",
             r->hist_fp ? "h.fingerprint" : "NULL", id ? " WHERE h.workflow = ?1" : "");
    sqlite3_stmt *st;
    int rc = rd_prepare(&r->s, sql, &st);
    if (rc != DURABLE_OK)
        return rc;
    bind_text(st, 1, id);
    sqlite3_bind_int64(st, 2, limit < 0 ? -1 : limit);
    sqlite3_bind_int64(st, 3, offset);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        durable__history_row h = {0};
        h.workflow = rd_text(st, 0);
        h.function = rd_text(st, 1);
        h.checkpoint = sqlite3_column_int64(st, 2);
        h.await_id = sqlite3_column_int(st, 3);
        h.event = rd_text(st, 4);
        h.attempt = sqlite3_column_int(st, 5);
        h.error_code = sqlite3_column_int(st, 6);
        h.detail = rd_text(st, 7);
        h.at_ms = sqlite3_column_int64(st, 8);
        h.has_fingerprint = sqlite3_column_type(st, 9) != SQLITE_NULL;
        h.fingerprint = (uint64_t)sqlite3_column_int64(st, 9);
        each(ctx, &h);
    }
    return rd_done(st, rc);
}

static int sq_read_signals(durable__store *base, const char *id,
                           void (*each)(void *, const char *, size_t, int64_t), void *ctx)
{
    sqlite3_stmt *st;
    int rc = rd_prepare((sqlite_store *)base,
                        "SELECT name, length(data), sent_ms FROM durable_signals WHERE workflow = ?1 ORDER BY seq", &st);
    if (rc != DURABLE_OK)
        return rc;
    bind_text(st, 1, id);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t bytes = sqlite3_column_int64(st, 1);
        each(ctx, rd_text(st, 0) ? rd_text(st, 0) : "?", (size_t)(bytes < 0 ? 0 : bytes), sqlite3_column_int64(st, 2));
    }
    return rd_done(st, rc);
}

static int sq_read_schema(durable__store *base, uint64_t fingerprint, durable__schema_view *out)
{
    sqlite_reader *r = (sqlite_reader *)base;
    memset(out, 0, sizeof *out);
    out->fingerprint = fingerprint;
    sqlite3_stmt *st;
    int rc = rd_prepare(&r->s, "SELECT function, file, frame_size, args_size FROM durable_schemas WHERE fingerprint = ?1",
                        &st);
    if (rc != DURABLE_OK)
        return rc;
    sqlite3_bind_int64(st, 1, (sqlite3_int64)fingerprint);
    int src = sqlite3_step(st), sizes_bad = 0;
    if (src == SQLITE_ROW) {
        int64_t fs = sqlite3_column_int64(st, 2), as = sqlite3_column_int64(st, 3);
        sizes_bad = fs < 0 || fs > (int64_t)UINT32_MAX || as < 0 || as > (int64_t)UINT32_MAX;
        out->frame_size = sizes_bad ? 0 : (uint32_t)fs;
        out->args_size = sizes_bad ? 0 : (uint32_t)as;
        out->function = durable__schema_view_strdup(out, rd_text(st, 0));
        out->file = durable__schema_view_strdup(out, rd_text(st, 1));
        rc = out->function && out->file ? DURABLE_OK : DURABLE_ENOMEM;
        sqlite3_finalize(st);
    } else {
        rc = rd_done(st, src);
        if (rc == DURABLE_OK)
            rc = DURABLE_ENOENT;
    }
    static const char *const roles[] = {"field", "param", "result"};
    for (int k = 0; k < 3 && rc == DURABLE_OK; k++) {
        rc = rd_prepare(&r->s,
                        "SELECT idx, parent, name, type, kind, offset, size, count, line FROM durable_schema_fields"
                        " WHERE fingerprint = ?1 AND role = ?2 ORDER BY idx",
                        &st);
        if (rc != DURABLE_OK)
            break;
        sqlite3_bind_int64(st, 1, (sqlite3_int64)fingerprint);
        sqlite3_bind_text(st, 2, roles[k], -1, SQLITE_STATIC);
        durable__field_row *rows = NULL;
        size_t n = 0, cap = 0;
        while (rc == DURABLE_OK && (src = sqlite3_step(st)) == SQLITE_ROW) {
            if (n == cap) {
                cap = cap ? cap * 2 : 16;
                durable__field_row *g = durable__realloc(rows, cap * sizeof *g);
                if (!g) {
                    rc = DURABLE_ENOMEM;
                    break;
                }
                rows = g;
            }
            durable__field_row *f = &rows[n++];
            f->idx = sqlite3_column_int64(st, 0);
            f->parent = sqlite3_column_type(st, 1) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, 1);
            f->name = durable__schema_view_strdup(out, rd_text(st, 2));
            f->type = durable__schema_view_strdup(out, rd_text(st, 3));
            f->kind = sqlite3_column_int64(st, 4);
            f->offset = sqlite3_column_int64(st, 5);
            f->size = sqlite3_column_int64(st, 6);
            f->count = sqlite3_column_int64(st, 7);
            f->line = sqlite3_column_int64(st, 8);
            if (!f->name || !f->type)
                rc = DURABLE_ENOMEM;
        }
        if (rc == DURABLE_OK)
            rc = rd_done(st, src);
        else
            sqlite3_finalize(st);
        if (rc == DURABLE_OK)
            rc = durable__schema_view_role(out, roles[k], rows, n, sizes_bad);
        free(rows);
    }
    if (rc == DURABLE_OK) {
        char sql[256];
        snprintf(sql, sizeof sql,
                 "SELECT id, kind, callee, line, value_type, value_kind, value_size, checks_error, saves, %s"
                 " FROM durable_schema_awaits WHERE fingerprint = ?1 ORDER BY id",
                 r->marks ? "place, text" : "NULL, NULL");
        rc = rd_prepare(&r->s, sql, &st);
    }
    if (rc == DURABLE_OK) {
        sqlite3_bind_int64(st, 1, (sqlite3_int64)fingerprint);
        while (rc == DURABLE_OK && (src = sqlite3_step(st)) == SQLITE_ROW) {
            durable__await_view a = {0};
            a.id = sqlite3_column_int(st, 0);
            a.kind = sqlite3_column_int(st, 1);
            a.callee = rd_text(st, 2);
            a.line = sqlite3_column_int64(st, 3);
            a.value_type = rd_text(st, 4);
            a.value_kind = sqlite3_column_int(st, 5);
            a.value_size = sqlite3_column_int64(st, 6);
            a.checks_error = sqlite3_column_int(st, 7);
            a.place = rd_text(st, 9);
            a.text = rd_text(st, 10);
            rc = durable__schema_view_add_await(out, &a, rd_text(st, 8));
        }
        if (rc == DURABLE_OK)
            rc = rd_done(st, src);
        else
            sqlite3_finalize(st);
    }
    if (rc != DURABLE_OK)
        durable__schema_view_free(out);
    return rc;
}

static int sq_read_fingerprints(durable__store *base, const char *function, uint64_t **fps, size_t *n)
{
    *fps = NULL;
    *n = 0;
    sqlite3_stmt *st;
    int rc = rd_prepare((sqlite_store *)base, "SELECT fingerprint FROM durable_schemas WHERE function = ?1"
                                              " ORDER BY fingerprint", &st);
    if (rc != DURABLE_OK)
        return rc;
    bind_text(st, 1, function);
    size_t cap = 0;
    int src;
    while (rc == DURABLE_OK && (src = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 8;
            uint64_t *g = durable__realloc(*fps, cap * sizeof *g);
            if (!g) {
                rc = DURABLE_ENOMEM;
                break;
            }
            *fps = g;
        }
        (*fps)[(*n)++] = (uint64_t)sqlite3_column_int64(st, 0);
    }
    if (rc == DURABLE_OK)
        rc = rd_done(st, src);
    else
        sqlite3_finalize(st);
    if (rc != DURABLE_OK) {
        free(*fps);
        *fps = NULL;
        *n = 0;
    }
    return rc;
}

static int sq_read_counts(durable__store *base, void (*each)(void *, const durable__count_row *), void *ctx)
{
    sqlite3_stmt *st;
    int rc = rd_prepare((sqlite_store *)base,
                        "SELECT w.function, w.status, coalesce(f.paused, 0) <> 0, count(*) FROM durable_workflows w"
                        " LEFT JOIN durable_frames f ON f.workflow = w.id GROUP BY 1, 2, 3",
                        &st);
    if (rc != DURABLE_OK)
        return rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        durable__count_row c = {rd_text(st, 0) ? rd_text(st, 0) : "", durable__status_parse(rd_text(st, 1)),
                                sqlite3_column_int(st, 2), sqlite3_column_int64(st, 3)};
        each(ctx, &c);
    }
    return rd_done(st, rc);
}

static const char *sq_read_error(durable__store *base)
{
    sqlite_store *s = (sqlite_store *)base;
    return s->db && sqlite3_errcode(s->db) != SQLITE_OK ? sqlite3_errmsg(s->db) : "";
}

static const durable__read_ops sqlite_read_ops = {
    .list = sq_read_list,
    .count = sq_read_count,
    .workflow = sq_read_workflow,
    .children = sq_read_children,
    .history = sq_read_history,
    .signals = sq_read_signals,
    .schema = sq_read_schema,
    .fingerprints = sq_read_fingerprints,
    .counts = sq_read_counts,
    .error = sq_read_error,
};

/* Why a read of the opening failed, as the tool says it. */
static void rd_why(sqlite_store *s, int rc, char *why, size_t whylen)
{
    const char *msg = sq_read_error(&s->base);
    switch (rc) {
    case DURABLE_ENOMEM: snprintf(why, whylen, "out of memory"); break;
    case DURABLE_ECORRUPT:
    case DURABLE_ENOTDB: snprintf(why, whylen, "database file is corrupt (%s)", msg); break;
    case DURABLE_EBUSY: snprintf(why, whylen, "database is locked by another process"); break;
    default: snprintf(why, whylen, "cannot read: %s", msg); break;
    }
}

int durable__store_sqlite_open_read(durable__store **out, const char *path, char *why, size_t whylen)
{
    *out = NULL;
    struct stat sb;
    if (stat(path, &sb) != 0) {
        int e = errno;
        char dir[4096] = ".";
        const char *slash = strrchr(path, '/');
        if (slash) { /* "/x.db" lives in "/" */
            size_t n = slash == path ? 1 : (size_t)(slash - path);
            snprintf(dir, sizeof dir, "%.*s", (int)n, path);
        }
        if (e == ENOENT && stat(dir, &sb) != 0)
            snprintf(why, whylen, "cannot open: %s (no directory %s)", strerror(e), dir);
        else
            snprintf(why, whylen, "cannot open: %s", strerror(e));
        return e == ENOENT ? DURABLE_ENOENT : DURABLE_EIO;
    }
    if (!S_ISREG(sb.st_mode)) {
        snprintf(why, whylen, "not a durable database (not a regular file)");
        return DURABLE_ENOTDB;
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(why, whylen, "cannot open: %s", strerror(errno));
        return DURABLE_EIO;
    }
    char hdr[16];
    ssize_t got = read(fd, hdr, sizeof hdr);
    close(fd);
    if (got != (ssize_t)sizeof hdr || memcmp(hdr, "SQLite format 3", 16) != 0) {
        snprintf(why, whylen, "not a durable database%s", sb.st_size == 0 ? " (empty file)" : "");
        return DURABLE_ENOTDB;
    }

    /* immutable without a -wal beside it (see inspect()): nothing is created
     * next to the file, no lock taken */
    char *side = sqlite3_mprintf("%s-wal", path);
    if (!side) {
        snprintf(why, whylen, "out of memory");
        return DURABLE_ENOMEM;
    }
    int has_wal = stat(side, &sb) == 0;
    sqlite3_free(side);
    size_t len = strlen(path);
    char *enc = durable__malloc(3 * len + 1), *e = enc;
    if (!enc) {
        snprintf(why, whylen, "out of memory");
        return DURABLE_ENOMEM;
    }
    for (const char *c = path; *c; c++)
        e += strchr("?#%", *c) ? sprintf(e, "%%%02X", (unsigned char)*c) : (*e = *c, 1);
    *e = '\0';
    char *uri = sqlite3_mprintf("file:%s%s%s", path[0] == '/' ? "//" : "", enc, has_wal ? "" : "?immutable=1");
    free(enc);
    sqlite_reader *r = uri ? durable__calloc(1, sizeof *r) : NULL;
    if (!r) {
        sqlite3_free(uri);
        snprintf(why, whylen, "out of memory");
        return DURABLE_ENOMEM;
    }
    r->s.base.ops = &sqlite_ops;
    int src = sqlite3_open_v2(uri, &r->s.db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL);
    sqlite3_free(uri);
    if (src != SQLITE_OK) {
        snprintf(why, whylen, "cannot open: %s", r->s.db ? sqlite3_errmsg(r->s.db) : sqlite3_errstr(src));
        sq_close(&r->s.base);
        return map_rc(src) == DURABLE_ENOMEM ? DURABLE_ENOMEM : DURABLE_EIO;
    }
    sqlite3_busy_timeout(r->s.db, 5000);

    int64_t app = 0, ver = 0;
    int rc = query_int(r->s.db, "PRAGMA application_id", &app);
    if (rc == DURABLE_OK)
        rc = query_int(r->s.db, "PRAGMA user_version", &ver);
    const char *refused = NULL;
    if (rc == DURABLE_OK) {
        if (app != APPLICATION_ID)
            refused = "not a durable database";
        else if (ver > FORMAT_VERSION)
            refused = "written by a newer format version of libdurable";
        else if (ver < 1)
            refused = "not a durable database (format version 0)";
    }
    if (rc == DURABLE_OK && !refused) {
        /* the byte order; no durable_meta at all counts as "not recorded" */
        sqlite3_stmt *st;
        src = sqlite3_prepare_v2(r->s.db, "SELECT value FROM durable_meta WHERE key = 'byte_order'", -1, &st, NULL);
        int same = 0;
        if (src == SQLITE_OK) {
            src = sqlite3_step(st);
            same = src == SQLITE_ROW && rd_text(st, 0) && strcmp(rd_text(st, 0), byte_order()) == 0;
            sqlite3_finalize(st);
            rc = src == SQLITE_ROW || src == SQLITE_DONE ? DURABLE_OK : map_rc(src);
        } else if ((src & 0xff) != SQLITE_ERROR) {
            rc = map_rc(src);
        }
        if (rc == DURABLE_OK && !same)
            refused = "not a durable database (written on a machine of the other byte order, or no durable_meta)";
    }
    if (rc == DURABLE_OK && !refused) {
        rc = columns_conform(r->s.db);
        if (rc == DURABLE_ECORRUPT) {
            rc = DURABLE_OK;
            refused = "not a durable database of a known layout (its tables lack columns of ours)";
        }
    }
    if (rc == DURABLE_OK && !refused)
        rc = has_column(r->s.db, "durable_history", "fingerprint", &r->hist_fp);
    if (rc == DURABLE_OK && !refused)
        rc = has_column(r->s.db, "durable_schema_awaits", "text", &r->marks);
    if (rc == DURABLE_OK && !refused) {
        int place = 0;
        rc = has_column(r->s.db, "durable_schema_awaits", "place", &place);
        r->marks &= place;
    }
    if (rc != DURABLE_OK || refused) {
        if (refused)
            snprintf(why, whylen, "%s", refused);
        else
            rd_why(&r->s, rc, why, whylen);
        sq_close(&r->s.base);
        return refused ? DURABLE_ENOTDB : rc;
    }
    *out = &r->s.base;
    return DURABLE_OK;
}

static const durable__store_ops sqlite_ops = {
    .close = sq_close,
    .begin = sq_begin,
    .commit = sq_commit,
    .rollback = sq_rollback,
    .changed = sq_changed,
    .put_schema = sq_put_schema,
    .insert = sq_insert,
    .update = sq_update,
    .append = sq_append,
    .get = sq_get,
    .list = sq_list,
    .family = sq_family,
    .spawns = sq_spawns,
    .get_spawned = sq_get_spawned,
    .savepoint = sq_savepoint,
    .flags = sq_flags,
    .purge = sq_purge,
    .schema = sq_schema,
    .set_args = sq_set_args,
    .fire_timers = sq_fire_timers,
    .claim = sq_claim,
    .has_work = sq_has_work,
    .next_due = sq_next_due,
    .count_unfinished = sq_count_unfinished,
    .worker_beat = sq_worker_beat,
    .workers = sq_workers,
    .worker_drop = sq_worker_drop,
    .put_signal = sq_put_signal,
    .take_signal = sq_take_signal,
    .meta_get = sq_meta_get,
    .meta_set = sq_meta_set,
    .read = &sqlite_read_ops,
};
