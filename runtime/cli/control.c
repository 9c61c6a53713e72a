/*
 * control.c — the commands that change a database: signal, cancel, retry,
 * pause, resume, purge.
 *
 * They write only through libdurable's host API (durable_open, then one
 * call), so every rule the runtime keeps — transactions, the history, waking
 * a waiting workflow, cancelling children — holds for an operator too.  No
 * SQL here.  Before durable_open, the database is checked with the
 * read-only opening of db.c (the store layer's): durable_open creates a
 * missing file and initialises an empty SQLite one (or a PostgreSQL database
 * without our schema), which an operator's typo must never do.  Messages
 * name a URI without its password.
 */
#include "cli.h"

#include <string.h>

/* Open path for writing.  CLI_OK with *rt set and path as messages show
 * it in shown[CLI_NAME], or an exit status. */
static int open_rt(const char *path, durable_rt **rt, char *shown)
{
    *rt = NULL;
    cli_db d;
    int rc = cli_db_open(&d, path); /* refuses missing, empty and foreign databases */
    snprintf(shown, CLI_NAME, "%s", d.name);
    cli_db_close(&d);
    if (rc != CLI_OK)
        return rc;
    int drc = durable_open(rt, path, NULL);
    if (drc != DURABLE_OK) {
        /* libdurable's own account names the path and the OS's reason */
        const char *why = durable_open_error();
        if (*why)
            cli_error("%s", why);
        else
            cli_error("%s: %s", shown, durable_strerror(drc));
        return cli_exit_for(drc);
    }
    return CLI_OK;
}

/* durable_status_name, with the name libdurable 0.1 lacks for
 * DURABLE_PAUSED (it answers "unknown"). */
static const char *status_name(int status)
{
    return status == DURABLE_PAUSED ? "paused" : durable_status_name(status);
}

/* Report a failed call on workflow id; returns the exit status. */
static int fail(const char *path, const char *shown, const char *id, int rc, durable_rt *rt)
{
    int status = 0;
    switch (rc) {
    case DURABLE_ENOENT: cli_error("%s: no workflow '%s'", shown, id); break;
    case DURABLE_EFINISHED: cli_error("%s: workflow '%s' has already finished", shown, id); break;
    case DURABLE_ENOTFAILED:
        if (durable_status(rt, id, &status) == DURABLE_OK)
            cli_error("%s: workflow '%s' has not failed (it is %s)", shown, id, status_name(status));
        else
            cli_error("%s: workflow '%s' has not failed", shown, id);
        break;
    default: {
        strbuf why = {0};
        if (rc == DURABLE_EIO && cli_why_unwritable(path, &why))
            cli_error("%s: %s: cannot write: %s", shown, id, sb_str(&why));
        else
            cli_error("%s: %s: %s", shown, id, durable_strerror(rc));
        sb_free(&why);
        break;
    }
    }
    return cli_exit_for(rc);
}

/* "ID: <what>; now <status>" after a successful call. */
static void done(durable_rt *rt, const char *id, const char *what)
{
    int status = 0;
    if (durable_status(rt, id, &status) == DURABLE_OK)
        printf("%s: %s; now %s\n", id, what, status_name(status));
    else
        printf("%s: %s\n", id, what);
}

/* Close rt, turning a failure to close into the exit status. */
static int finish(durable_rt *rt, const char *path, int status)
{
    int rc = durable_close(rt);
    if (rc != DURABLE_OK && status == CLI_OK) {
        cli_error("%s: close: %s", path, durable_strerror(rc));
        return cli_exit_for(rc);
    }
    return status;
}

int cli_signal(const cli_args *a)
{
    const char *path = a->pos[0];
    if (a->all && a->npos > 3) {
        cli_error("signal: with --all, give FILE NAME [DATA] (no ID)");
        return CLI_EUSER;
    }
    const char *id = a->all ? NULL : a->pos[1];
    const char *name = a->all ? a->pos[1] : a->pos[2];
    const char *data = a->all ? (a->npos > 2 ? a->pos[2] : "") : (a->npos > 3 ? a->pos[3] : "");
    if (!*name) {
        cli_error("signal: the signal name is empty");
        return CLI_EUSER;
    }
    durable_rt *rt;
    char shown[CLI_NAME];
    int status = open_rt(path, &rt, shown);
    if (status != CLI_OK)
        return status;
    size_t len = strlen(data);
    if (a->all) {
        int n = durable_signal_all(rt, name, data, len);
        if (n < 0) {
            cli_error("%s: %s", shown, durable_strerror(n));
            status = cli_exit_for(n);
        } else {
            printf("signal '%s' delivered to %d workflow%s\n", name, n, n == 1 ? "" : "s");
        }
        return finish(rt, shown, status);
    }
    int rc = durable_signal(rt, id, name, data, len);
    if (rc != DURABLE_OK) {
        status = fail(path, shown, id, rc, rt);
    } else {
        char what[320];
        snprintf(what, sizeof what, "signal '%.200s' sent (%zu bytes)", name, len);
        done(rt, id, what);
    }
    return finish(rt, shown, status);
}

/* The shape of cancel, retry, pause and resume: one call on one id. */
static int one_call(const cli_args *a, int (*call)(durable_rt *, const char *), const char *what)
{
    durable_rt *rt;
    char shown[CLI_NAME];
    int status = open_rt(a->pos[0], &rt, shown);
    if (status != CLI_OK)
        return status;
    int rc = call(rt, a->pos[1]);
    if (rc != DURABLE_OK)
        status = fail(a->pos[0], shown, a->pos[1], rc, rt);
    else
        done(rt, a->pos[1], what);
    return finish(rt, shown, status);
}

int cli_cancel(const cli_args *a)
{
    return one_call(a, durable_cancel, "cancellation requested");
}

int cli_retry(const cli_args *a)
{
    return one_call(a, durable_retry, "retry scheduled");
}

int cli_pause(const cli_args *a)
{
    return one_call(a, durable_pause, "paused");
}

int cli_resume(const cli_args *a)
{
    return one_call(a, durable_resume, "resumed");
}

int cli_purge(const cli_args *a)
{
    if (!a->before) {
        cli_error("purge: give --older-than DURATION or --before DURATION|TIME (e.g. --older-than 7d)");
        return CLI_EUSER;
    }
    int64_t now = cli_now_ms(), ago, before;
    if (cli_parse_duration(a->before, &ago) == 0) {
        before = now - ago;
    } else if (cli_parse_time(a->before, &before) != 0) {
        cli_error("purge: '%s' is neither a duration (30m, 12h, 7d) nor a UTC time (2026-11-01T00:00:00Z)",
                  a->before);
        return CLI_EUSER;
    }
    durable_rt *rt;
    char shown[CLI_NAME];
    int status = open_rt(a->pos[0], &rt, shown);
    if (status != CLI_OK)
        return status;
    int n = durable_purge(rt, before);
    if (n < 0) {
        cli_error("%s: purge: %s", shown, durable_strerror(n));
        status = cli_exit_for(n);
    } else {
        char iso[40];
        cli_iso_time(iso, before);
        printf("purged %d finished workflow%s last updated before %s\n", n, n == 1 ? "" : "s", iso);
    }
    return finish(rt, shown, status);
}
