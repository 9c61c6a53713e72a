/*
 * db.c — the read commands' own connection to a database file: read-only,
 * and only to a file that is ours.
 *
 * The checks come in the order that touches the least: stat (a regular,
 * non-empty file), the first 16 bytes read with plain I/O, and only then an
 * SQLite connection opened with SQLITE_OPEN_READONLY, which reads
 * application_id, user_version and the byte order the file was written with.
 * When no -wal file is beside the database it is opened with the URI
 * parameter immutable=1: SQLite then creates no -wal or -shm file and takes
 * no lock, so inspecting a file leaves the directory exactly as it was.
 * (With a -wal present a writer may be running or a crash left committed
 * pages there; both are read through SQLite's normal WAL path.)
 *
 * Not here: anything that writes.  The write commands go through
 * durable_open (control.c).
 */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define APPLICATION_ID 0x44555243 /* "DURC", as store_sqlite.c writes it */
#define FORMAT_VERSION 1

/* The directory part of path ("." for a bare name), into b. */
static void dir_of(strbuf *b, const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        sb_puts(b, ".");
    else if (slash == path)
        sb_puts(b, "/");
    else
        sb_add(b, path, (size_t)(slash - path));
}

/* What the first bytes and the file type say.  CLI_OK or an exit status. */
static int sniff(const char *path)
{
    struct stat sb;
    if (stat(path, &sb) != 0) {
        int e = errno;
        strbuf dir = {0};
        dir_of(&dir, path);
        if (e == ENOENT && stat(sb_str(&dir), &sb) != 0)
            cli_error("%s: cannot open: %s (no directory %s)", path, strerror(e), sb_str(&dir));
        else
            cli_error("%s: cannot open: %s", path, strerror(e));
        sb_free(&dir);
        return CLI_EUSER;
    }
    if (!S_ISREG(sb.st_mode)) {
        cli_error("%s: not a durable database (not a regular file)", path);
        return CLI_EUSER;
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        cli_error("%s: cannot open: %s", path, strerror(errno));
        return CLI_EUSER;
    }
    char hdr[16];
    ssize_t n = read(fd, hdr, sizeof hdr);
    close(fd);
    if (n != (ssize_t)sizeof hdr || memcmp(hdr, "SQLite format 3", 16) != 0) {
        cli_error("%s: not a durable database%s", path, sb.st_size == 0 ? " (empty file)" : "");
        return CLI_EUSER;
    }
    return CLI_OK;
}

/* The single integer a PRAGMA (or query) returns.  An SQLite code. */
static int pragma_int(sqlite3 *db, const char *sql, int64_t *out)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    if (rc != SQLITE_OK)
        return rc;
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *out = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? SQLITE_OK : rc == SQLITE_DONE ? SQLITE_CORRUPT : rc;
}

/* Is the byte order recorded in durable_meta ours?  *same is 1 if so, 0 if
 * not or not recorded.  Returns an SQLite code: SQLITE_ERROR (no such table)
 * counts as "not recorded", anything else is the caller's to report. */
static int same_byte_order(sqlite3 *db, int *same)
{
    const uint16_t probe = 1;
    const char *ours = *(const unsigned char *)&probe ? "little" : "big";
    sqlite3_stmt *st;
    *same = 0;
    int rc = sqlite3_prepare_v2(db, "SELECT value FROM durable_meta WHERE key = 'byte_order'", -1, &st, NULL);
    if (rc != SQLITE_OK)
        return rc == SQLITE_ERROR ? SQLITE_OK : rc;
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        const char *v = (const char *)sqlite3_column_text(st, 0);
        *same = v && strcmp(v, ours) == 0;
    }
    sqlite3_finalize(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* path as the path part of a file: URI: the characters a URI gives meaning
 * to are %-escaped, so every file name works (SQLite decodes %HH). */
static void uri_path(strbuf *b, const char *path)
{
    for (const char *p = path; *p; p++) {
        if (*p == '?' || *p == '#' || *p == '%')
            sb_printf(b, "%%%02x", (unsigned char)*p);
        else
            sb_add(b, p, 1);
    }
}

int cli_db_open(cli_db *d, const char *path)
{
    memset(d, 0, sizeof *d);
    d->path = path;
    d->now_ms = cli_now_ms();
    int rc = sniff(path);
    if (rc != CLI_OK)
        return rc;

    char *wal = sqlite3_mprintf("%s-wal", path);
    if (!wal)
        cli_oom();
    struct stat sb;
    int has_wal = stat(wal, &sb) == 0;
    sqlite3_free(wal);
    strbuf uri = {0};
    sb_puts(&uri, path[0] == '/' ? "file://" : "file:"); /* absolute: an empty authority */
    uri_path(&uri, path);
    if (!has_wal)
        sb_puts(&uri, "?immutable=1");
    int src = sqlite3_open_v2(sb_str(&uri), &d->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL);
    sb_free(&uri);
    if (src != SQLITE_OK) {
        cli_error("%s: cannot open: %s", path, d->db ? sqlite3_errmsg(d->db) : sqlite3_errstr(src));
        cli_db_close(d);
        return src == SQLITE_NOMEM ? CLI_EINTERNAL : CLI_EUSER;
    }
    sqlite3_busy_timeout(d->db, 5000);

    int64_t app = 0, ver = 0;
    int same = 0;
    src = pragma_int(d->db, "PRAGMA application_id", &app);
    if (src == SQLITE_OK)
        src = pragma_int(d->db, "PRAGMA user_version", &ver);
    if (src == SQLITE_OK && app == APPLICATION_ID && ver == FORMAT_VERSION)
        src = same_byte_order(d->db, &same);
    if (src != SQLITE_OK) {
        int status = cli_db_fail(d, src);
        cli_db_close(d);
        return status;
    }
    const char *why = NULL;
    if (app != APPLICATION_ID)
        why = "not a durable database";
    else if (ver > FORMAT_VERSION)
        why = "written by a newer format version of libdurable";
    else if (ver < 1)
        why = "not a durable database (format version 0)";
    else if (!same)
        why = "not a durable database (written on a machine of the other byte order, or no durable_meta)";
    if (why) {
        cli_error("%s: %s", path, why);
        cli_db_close(d);
        return CLI_EUSER;
    }
    return CLI_OK;
}

void cli_db_close(cli_db *d)
{
    if (d->db)
        sqlite3_close(d->db);
    d->db = NULL;
}

int cli_db_fail(cli_db *d, int rc)
{
    switch (rc & 0xff) {
    case SQLITE_NOMEM:
        cli_error("%s: out of memory", d->path);
        return CLI_EINTERNAL;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
        cli_error("%s: database file is corrupt (%s)", d->path, sqlite3_errmsg(d->db));
        return CLI_EUSER;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        cli_error("%s: database is locked by another process", d->path);
        return CLI_EUSER;
    case SQLITE_ERROR: /* a missing table or column: not a file of our format */
        cli_error("%s: not a durable database of a known layout (%s)", d->path, sqlite3_errmsg(d->db));
        return CLI_EUSER;
    default:
        cli_error("%s: cannot read: %s", d->path, sqlite3_errmsg(d->db));
        return CLI_EUSER;
    }
}

int cli_why_unwritable(const char *path, strbuf *why)
{
    if (access(path, W_OK) != 0) {
        sb_printf(why, "%s", strerror(errno));
        return 1;
    }
    strbuf dir = {0};
    dir_of(&dir, path);
    int refused = access(sb_str(&dir), W_OK | X_OK) != 0;
    if (refused)
        sb_printf(why, "directory %s: %s", sb_str(&dir), strerror(errno));
    sb_free(&dir);
    return refused;
}

int cli_db_prepare(cli_db *d, const char *sql, sqlite3_stmt **st)
{
    int rc = sqlite3_prepare_v2(d->db, sql, -1, st, NULL);
    if (rc == SQLITE_OK)
        return CLI_OK;
    *st = NULL;
    return cli_db_fail(d, rc);
}

const char *cli_col_text(sqlite3_stmt *st, int i)
{
    return (const char *)sqlite3_column_text(st, i);
}

int cli_has_column(cli_db *d, const char *table, const char *column)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(d->db, "SELECT 1 FROM pragma_table_info(?1) WHERE name = ?2", -1, &st, NULL) != SQLITE_OK)
        return 0;
    sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, column, -1, SQLITE_STATIC);
    int yes = sqlite3_step(st) == SQLITE_ROW;
    sqlite3_finalize(st);
    return yes;
}
