/*
 * db.c — the read commands' store: a database file or a PostgreSQL URI
 * opened for reading only, through the read operations of the store layer
 * (runtime/src/store.h, durable__store_open_read).  The checks that refuse
 * a foreign, corrupt or newer database and leave it untouched live there,
 * shared by both stores; here they become messages and exit statuses.
 *
 * Not here: anything that writes.  The write commands go through
 * durable_open (control.c).
 */
#include "cli.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

int cli_is_uri(const char *where)
{
    return strncmp(where, "postgresql://", 13) == 0 || strncmp(where, "postgres://", 11) == 0;
}

int cli_db_open(cli_db *d, const char *where)
{
    memset(d, 0, sizeof *d);
    d->now_ms = cli_now_ms();
    char why[1024];
    int rc = durable__store_open_read(&d->s, where, d->name, sizeof d->name, why, sizeof why);
    d->path = d->name;
    if (rc != DURABLE_OK) {
        cli_error("%s: %s", d->name, why);
        return rc == DURABLE_ENOMEM ? CLI_EINTERNAL : CLI_EUSER;
    }
    d->rd = d->s->ops->read;
    return CLI_OK;
}

struct cli_cached {
    uint64_t fp;
    int found;
    durable__schema_view v;
};

const durable__schema_view *cli_schema_of(cli_db *d, uint64_t fp)
{
    for (size_t i = 0; i < d->nschemas; i++)
        if (d->schemas[i].fp == fp)
            return d->schemas[i].found ? &d->schemas[i].v : NULL;
    struct cli_cached *g = realloc(d->schemas, (d->nschemas + 1) * sizeof *g);
    if (!g)
        cli_oom();
    d->schemas = g;
    struct cli_cached *e = &d->schemas[d->nschemas++];
    e->fp = fp;
    int rc = d->rd->schema(d->s, fp, &e->v);
    if (rc == DURABLE_ENOMEM)
        cli_oom();
    e->found = rc == DURABLE_OK;
    return e->found ? &e->v : NULL;
}

int cli_await_of(cli_db *d, uint64_t fp, int id, const char **callee, long long *line)
{
    const durable__schema_view *v = cli_schema_of(d, fp);
    const durable__await_view *a = v ? durable__schema_view_await(v, id) : NULL;
    if (!a)
        return 0;
    *callee = a->callee;
    *line = a->line;
    return 1;
}

void cli_db_close(cli_db *d)
{
    for (size_t i = 0; i < d->nschemas; i++)
        if (d->schemas[i].found)
            durable__schema_view_free(&d->schemas[i].v);
    free(d->schemas);
    d->schemas = NULL;
    d->nschemas = 0;
    if (d->s)
        d->s->ops->close(d->s);
    d->s = NULL;
    d->rd = NULL;
}

int cli_db_fail(cli_db *d, int rc)
{
    const char *said = d->s ? d->rd->error(d->s) : "";
    const char *why = said && *said ? said : durable_strerror(rc);
    switch (rc) {
    case DURABLE_ENOMEM:
        cli_error("%s: out of memory", d->path);
        return CLI_EINTERNAL;
    case DURABLE_ECORRUPT:
    case DURABLE_ENOTDB:
        cli_error("%s: database is corrupt or not of a known layout (%s)", d->path, why);
        return CLI_EUSER;
    case DURABLE_EBUSY:
        cli_error("%s: database is locked by another process", d->path);
        return CLI_EUSER;
    default:
        cli_error("%s: cannot read: %s", d->path, why);
        return CLI_EUSER;
    }
}

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

int cli_why_unwritable(const char *path, strbuf *why)
{
    if (cli_is_uri(path))
        return 0; /* a server says why itself */
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
