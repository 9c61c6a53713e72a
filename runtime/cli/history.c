/*
 * history.c — `durable history`: a workflow's checkpoints over time, from the
 * append-only durable_history table, oldest first.
 *
 * Each row is labelled with the build that wrote it: the schema fingerprint
 * its workflow's frame had then (durable_history.fingerprint; NULL in rows of
 * a file from before that column).  Its await's callee and source line come
 * from that schema, else from the schema of the workflow's current frame;
 * a row of a finished workflow (no frame) without a label is looked up in
 * any schema of the same function that has that await id; when none has,
 * the await is shown by number only.
 */
#include "cli.h"

#include <string.h>

/* The workflow's function and current fingerprint (has_fp 0 without a
 * frame); exists is 0 when the workflow row is gone. */
typedef struct owner_info {
    int exists, has_fp;
    char function[256];
    int64_t fp;
} owner_info;

/* Read id's function and frame fingerprint.  CLI_OK or an exit status. */
static int load_owner(cli_db *d, const char *id, owner_info *o)
{
    memset(o, 0, sizeof *o);
    sqlite3_stmt *st;
    int rc = cli_db_prepare(d,
                            "SELECT w.function, f.fingerprint FROM durable_workflows w"
                            " LEFT JOIN durable_frames f ON f.workflow = w.id WHERE w.id = ?1",
                            &st);
    if (rc != CLI_OK)
        return rc;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    int src = sqlite3_step(st);
    if (src == SQLITE_ROW) {
        o->exists = 1;
        snprintf(o->function, sizeof o->function, "%s", cli_col_text(st, 0) ? cli_col_text(st, 0) : "");
        o->has_fp = sqlite3_column_type(st, 1) != SQLITE_NULL;
        o->fp = sqlite3_column_int64(st, 1);
    }
    sqlite3_finalize(st);
    return src == SQLITE_ROW || src == SQLITE_DONE ? CLI_OK : cli_db_fail(d, src);
}

/* A purged or unknown workflow has no row; its history may outlive it. */
static int has_history(cli_db *d, const char *id)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(d->db, "SELECT 1 FROM durable_history WHERE workflow = ?1 LIMIT 1", -1, &st, NULL) !=
        SQLITE_OK)
        return 0;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    int yes = sqlite3_step(st) == SQLITE_ROW;
    sqlite3_finalize(st);
    return yes;
}

/* Callee and line of await `id` in some schema of `function`. */
static int fallback_await(sqlite3_stmt *st, const char *function, int id, char *callee, size_t cap, long long *line)
{
    if (!st || !function[0])
        return 0;
    sqlite3_reset(st);
    sqlite3_bind_text(st, 1, function, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, id);
    int found = 0;
    if (sqlite3_step(st) == SQLITE_ROW && cli_col_text(st, 0)) {
        snprintf(callee, cap, "%s", cli_col_text(st, 0));
        *line = sqlite3_column_int64(st, 1);
        found = 1;
    }
    sqlite3_reset(st);
    return found;
}

/* A history error code: DURABLE_E* codes by name, a step's own codes (from
 * durable_fail) as numbers. */
static void error_text(char out[48], int code)
{
    if (code == 0)
        out[0] = '\0';
    else if (code < 0 && strcmp(durable_errname(code), "UNKNOWN") != 0)
        snprintf(out, 48, "%s", durable_errname(code));
    else
        snprintf(out, 48, "%d", code);
}

int cli_history(const cli_args *a)
{
    cli_db d;
    int rc = cli_db_open(&d, a->pos[0]);
    if (rc != CLI_OK)
        return rc;
    const char *id = a->pos[1];
    owner_info o;
    rc = load_owner(&d, id, &o);
    sqlite3_stmt *st = NULL, *fb = NULL;
    if (rc == CLI_OK && !o.exists && !has_history(&d, id)) {
        cli_error("%s: no workflow '%s'", d.path, id);
        rc = CLI_EUSER;
    }
    if (rc == CLI_OK) {
        char sql[640];
        const char *fp = cli_has_column(&d, "durable_history", "fingerprint") ? "h.fingerprint" : "NULL";
        snprintf(sql, sizeof sql,
                 "SELECT h.checkpoint, h.await_id, h.event, h.attempt, h.error_code, h.detail, h.at_ms,"
                 " a.callee, a.line, %s FROM durable_history h"
                 " LEFT JOIN durable_schema_awaits a ON a.id = h.await_id AND a.fingerprint ="
                 " CASE WHEN %s IS NOT NULL THEN %s WHEN ?2 THEN ?3 END"
                 " WHERE h.workflow = ?1 ORDER BY h.checkpoint LIMIT ?4 OFFSET ?5",
                 fp, fp, fp);
        rc = cli_db_prepare(&d, sql, &st);
    }
    if (rc == CLI_OK)
        rc = cli_db_prepare(&d,
                            "SELECT a.callee, a.line FROM durable_schema_awaits a"
                            " JOIN durable_schemas s ON s.fingerprint = a.fingerprint"
                            " WHERE s.function = ?1 AND a.id = ?2 ORDER BY a.fingerprint LIMIT 1",
                            &fb);
    if (rc != CLI_OK) {
        sqlite3_finalize(st);
        cli_db_close(&d);
        return rc;
    }
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, o.has_fp);
    sqlite3_bind_int64(st, 3, o.fp);
    sqlite3_bind_int64(st, 4, a->limit > 0 ? a->limit : -1);
    sqlite3_bind_int64(st, 5, a->offset);

    jw j;
    if (a->json) {
        jw_init(&j, stdout);
        jw_object(&j);
        jw_kstr(&j, "file", d.path);
        jw_ktime(&j, "now", d.now_ms);
        jw_kstr(&j, "id", id);
        jw_kstr(&j, "function", o.exists ? o.function : NULL);
        jw_key(&j, "history");
        jw_array(&j);
    }
    int n = 0, src;
    while ((src = sqlite3_step(st)) == SQLITE_ROW) {
        long long checkpoint = sqlite3_column_int64(st, 0);
        int await_id = sqlite3_column_int(st, 1);
        const char *event = cli_col_text(st, 2);
        int attempt = sqlite3_column_int(st, 3);
        int code = sqlite3_column_int(st, 4);
        const char *detail = cli_col_text(st, 5);
        int64_t at = sqlite3_column_int64(st, 6);
        char build[20] = "-"; /* the schema fingerprint, as `durable show` prints it */
        if (sqlite3_column_type(st, 9) != SQLITE_NULL)
            snprintf(build, sizeof build, "%016llx", (unsigned long long)sqlite3_column_int64(st, 9));
        char callee[128] = "";
        long long line = 0;
        int known = cli_col_text(st, 7) != NULL;
        if (known) {
            snprintf(callee, sizeof callee, "%s", cli_col_text(st, 7));
            line = sqlite3_column_int64(st, 8);
        } else if (await_id > 0) {
            known = fallback_await(fb, o.function, await_id, callee, sizeof callee, &line);
        }
        char iso[40], err[48];
        cli_iso_time(iso, at);
        error_text(err, code);
        if (a->json) {
            jw_object(&j);
            jw_kint(&j, "checkpoint", checkpoint);
            jw_kstr(&j, "build", build[0] != '-' ? build : NULL);
            jw_key(&j, "await");
            if (await_id > 0) {
                jw_object(&j);
                jw_kint(&j, "id", await_id);
                jw_kstr(&j, "callee", known ? callee : NULL);
                jw_key(&j, "line");
                if (known)
                    jw_int(&j, line);
                else
                    jw_null(&j);
                jw_end(&j);
            } else {
                jw_null(&j);
            }
            jw_kstr(&j, "event", event);
            jw_kint(&j, "attempt", attempt);
            jw_key(&j, "error");
            if (code) {
                jw_object(&j);
                jw_kint(&j, "code", code);
                jw_kstr(&j, "name", code < 0 ? durable_errname(code) : NULL);
                jw_end(&j);
            } else {
                jw_null(&j);
            }
            jw_kstr(&j, "detail", detail);
            jw_ktime(&j, "at", at);
            jw_end(&j);
        } else {
            if (n == 0)
                printf("%-10s  %-24s  %-16s  %-11s  %-32s  %-7s  %-10s  %s\n", "CHECKPOINT", "TIME", "BUILD", "EVENT",
                       "AWAIT", "ATTEMPT", "ERROR", "DETAIL");
            char where[192];
            if (await_id <= 0)
                snprintf(where, sizeof where, "-");
            else if (known)
                snprintf(where, sizeof where, "%d %s line %lld", await_id, callee, line);
            else
                snprintf(where, sizeof where, "%d", await_id);
            strbuf line_text = {0};
            sb_printf(&line_text, "%-10lld  %-24s  %-16s  %-11s  %-32s  %-7d  %-10s  ", checkpoint, iso, build,
                      event ? event : "?", where, attempt, err);
            if (detail)
                sb_quote(&line_text, detail, strlen(detail), 0);
            while (line_text.n && line_text.p[line_text.n - 1] == ' ')
                line_text.p[--line_text.n] = '\0';
            puts(sb_str(&line_text));
            sb_free(&line_text);
        }
        n++;
    }
    sqlite3_finalize(st);
    sqlite3_finalize(fb);
    if (src != SQLITE_DONE) {
        rc = cli_db_fail(&d, src);
    }
    if (a->json && rc == CLI_OK) {
        jw_end(&j);
        jw_end(&j);
        jw_finish(&j);
    }
    cli_db_close(&d);
    return rc;
}
