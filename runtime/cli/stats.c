/*
 * stats.c — `durable stats`: how many workflows there are by function and
 * status, and how long awaits take, from the file alone.
 *
 * Await latency is read from the append-only history, so it covers every
 * await any worker ever checkpointed that was not purged.  Each interval
 * between two checkpoints of a workflow is counted once:
 *
 *   - after an await that suspends (a timer, a signal, a child, all/any, a
 *     retry backoff), for that await: the wait, then the code up to the
 *     next await;
 *   - otherwise, when the later checkpoint records a step (event "step",
 *     "step-failed"), for that step: the code since the last await, the step
 *     and the commit.
 *
 * Each await is named by its callee, looked up in the schema of the build
 * that wrote the row (the history's fingerprint column; a file from before
 * it gives the event's kind instead).  The last await of an unfinished
 * workflow has no next checkpoint yet and is not counted; neither is a step
 * right after a suspending await (its time is inside that await's).
 *
 * Output: a table, --json, or --prometheus (the Prometheus text exposition
 * format, version 0.0.4: a gauge durable_workflows{function,status} and a
 * summary durable_await_latency_seconds{function,await,kind}).
 */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

/* Status columns: durable_status numbers them READY (1) to PAUSED; column k
 * is status k + 1, named by durable_status_name. */
#define NSTATUS ((size_t)(DURABLE_PAUSED - DURABLE_READY + 1))
#define status_name(k) durable_status_name(DURABLE_READY + (int)(k))

typedef struct fn_counts {
    char *function;
    long long n[NSTATUS];
} fn_counts;

typedef struct latency {
    char *function, *await, *kind;
    double *ms;
    size_t n, cap;
    double sum;
} latency;

static char *dup_or_oom(const char *s)
{
    char *d = strdup(s ? s : "");
    if (!d)
        cli_oom();
    return d;
}

static int status_index(const char *s, int paused)
{
    if (paused && s && (strcmp(s, "ready") == 0 || strcmp(s, "waiting") == 0))
        return DURABLE_PAUSED - DURABLE_READY;
    for (size_t i = 0; s && i < NSTATUS; i++)
        if (strcmp(s, status_name(i)) == 0)
            return (int)i;
    return -1;
}

/* Counts by function and status: rows in function order. */
static int load_counts(cli_db *d, fn_counts **out, size_t *nout)
{
    sqlite3_stmt *st;
    int rc = cli_db_prepare(d,
                            "SELECT w.function, w.status, coalesce(f.paused, 0), count(*) FROM durable_workflows w"
                            " LEFT JOIN durable_frames f ON f.workflow = w.id"
                            " GROUP BY w.function, w.status, coalesce(f.paused, 0) ORDER BY w.function",
                            &st);
    if (rc != CLI_OK)
        return rc;
    fn_counts *v = NULL;
    size_t n = 0;
    int src;
    while ((src = sqlite3_step(st)) == SQLITE_ROW) {
        const char *fn = cli_col_text(st, 0);
        if (!n || strcmp(v[n - 1].function, fn ? fn : "") != 0) {
            fn_counts *g = realloc(v, (n + 1) * sizeof *v);
            if (!g)
                cli_oom();
            v = g;
            memset(&v[n], 0, sizeof v[n]);
            v[n++].function = dup_or_oom(fn);
        }
        int k = status_index(cli_col_text(st, 1), sqlite3_column_int(st, 2));
        if (k >= 0)
            v[n - 1].n[k] += sqlite3_column_int64(st, 3);
    }
    sqlite3_finalize(st);
    *out = v;
    *nout = n;
    return src == SQLITE_DONE ? CLI_OK : cli_db_fail(d, src);
}

/* History events of an await that suspends the workflow until something
 * happens (the next checkpoint comes after it). */
#define SUSPENDING "('sleep', 'signal', 'call', 'all', 'any', 'retry')"

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Await latencies grouped by function, await and kind (sorted). */
static int load_latency(cli_db *d, latency **out, size_t *nout)
{
    const char *fp = cli_has_column(d, "durable_history", "fingerprint") ? "h.fingerprint" : "NULL";
    char sql[1800];
    /* Each interval between two checkpoints of a workflow is counted once:
     * for the await pending during it when the earlier one suspended, else
     * for the step the later one records. */
    snprintf(sql, sizeof sql,
             "WITH h AS (SELECT h.workflow, h.await_id, h.event, h.at_ms, %s AS fp,"
             " lag(h.at_ms) OVER win AS p_ms, lag(h.event) OVER win AS p_event,"
             " lag(h.await_id) OVER win AS p_await, lag(%s) OVER win AS p_fp"
             " FROM durable_history h WINDOW win AS (PARTITION BY h.workflow ORDER BY h.checkpoint, h.at_ms)),"
             " s AS (SELECT workflow, at_ms - p_ms AS ms,"
             " CASE WHEN p_event IN " SUSPENDING " THEN p_event ELSE 'step' END AS kind,"
             " CASE WHEN p_event IN " SUSPENDING " THEN p_await ELSE await_id END AS aw,"
             " CASE WHEN p_event IN " SUSPENDING " THEN p_fp ELSE fp END AS afp"
             " FROM h WHERE p_ms IS NOT NULL AND (p_event IN " SUSPENDING " OR event IN ('step', 'step-failed')))"
             " SELECT w.function, coalesce(a.callee, s.kind), s.kind, s.ms"
             " FROM s JOIN durable_workflows w ON w.id = s.workflow"
             " LEFT JOIN durable_schema_awaits a ON a.fingerprint = s.afp AND a.id = s.aw"
             " ORDER BY 1, 2, 3",
             fp, fp);
    sqlite3_stmt *st;
    int rc = cli_db_prepare(d, sql, &st);
    if (rc != CLI_OK)
        return rc;
    latency *v = NULL;
    size_t n = 0;
    int src;
    while ((src = sqlite3_step(st)) == SQLITE_ROW) {
        const char *fn = cli_col_text(st, 0), *aw = cli_col_text(st, 1), *kind = cli_col_text(st, 2);
        latency *g = n ? &v[n - 1] : NULL;
        if (!g || strcmp(g->function, fn ? fn : "") != 0 || strcmp(g->await, aw ? aw : "") != 0 ||
            strcmp(g->kind, kind ? kind : "") != 0) {
            latency *grown = realloc(v, (n + 1) * sizeof *v);
            if (!grown)
                cli_oom();
            v = grown;
            g = &v[n++];
            memset(g, 0, sizeof *g);
            g->function = dup_or_oom(fn);
            g->await = dup_or_oom(aw);
            g->kind = dup_or_oom(kind);
        }
        if (g->n == g->cap) {
            g->cap = g->cap ? g->cap * 2 : 16;
            double *m = realloc(g->ms, g->cap * sizeof *m);
            if (!m)
                cli_oom();
            g->ms = m;
        }
        double ms = (double)sqlite3_column_int64(st, 3);
        g->ms[g->n++] = ms < 0 ? 0 : ms; /* a clock stepped back: not negative */
        g->sum += ms < 0 ? 0 : ms;
    }
    sqlite3_finalize(st);
    for (size_t i = 0; i < n; i++)
        qsort(v[i].ms, v[i].n, sizeof *v[i].ms, cmp_double);
    *out = v;
    *nout = n;
    return src == SQLITE_DONE ? CLI_OK : cli_db_fail(d, src);
}

/* The q-quantile of sorted values (nearest rank). */
static double quantile(const latency *g, double q)
{
    size_t k = (size_t)(q * (double)g->n + 0.999999);
    if (k < 1)
        k = 1;
    if (k > g->n)
        k = g->n;
    return g->ms[k - 1];
}

/* A duration for people: "850ms", "2.4s", "3m5s". */
static void human_ms(char out[40], double ms)
{
    if (ms < 1000)
        snprintf(out, 40, "%.0fms", ms);
    else if (ms < 60000)
        snprintf(out, 40, "%.1fs", ms / 1000);
    else if (ms < 3600000)
        snprintf(out, 40, "%dm%ds", (int)(ms / 60000), (int)(ms / 1000) % 60);
    else
        snprintf(out, 40, "%dh%dm", (int)(ms / 3600000), (int)(ms / 60000) % 60);
}

/* A Prometheus label value: backslash, quote and newline escaped. */
static void prom_label(const char *s)
{
    for (; *s; s++) {
        if (*s == '\\' || *s == '"')
            printf("\\%c", *s);
        else if (*s == '\n')
            fputs("\\n", stdout);
        else
            putchar(*s);
    }
}

static void print_prometheus(const fn_counts *c, size_t nc, const latency *l, size_t nl)
{
    puts("# HELP durable_workflows Workflows in the store, by durable function and status.");
    puts("# TYPE durable_workflows gauge");
    for (size_t i = 0; i < nc; i++)
        for (size_t k = 0; k < NSTATUS; k++) {
            fputs("durable_workflows{function=\"", stdout);
            prom_label(c[i].function);
            printf("\",status=\"%s\"} %lld\n", status_name(k), c[i].n[k]);
        }
    puts("# HELP durable_await_latency_seconds How long awaits took, measured between checkpoints.");
    puts("# TYPE durable_await_latency_seconds summary");
    static const double qs[] = {0.5, 0.9, 0.99};
    for (size_t i = 0; i < nl; i++) {
        for (int pass = 0; pass < 5; pass++) {
            static const char *const suffix[] = {"", "", "", "_sum", "_count"};
            printf("durable_await_latency_seconds%s{function=\"", suffix[pass]);
            prom_label(l[i].function);
            fputs("\",await=\"", stdout);
            prom_label(l[i].await);
            fputs("\",kind=\"", stdout);
            prom_label(l[i].kind);
            if (pass < 3)
                printf("\",quantile=\"%g\"} %.6f\n", qs[pass], quantile(&l[i], qs[pass]) / 1000.0);
            else if (pass == 3)
                printf("\"} %.6f\n", l[i].sum / 1000.0);
            else
                printf("\"} %zu\n", l[i].n);
        }
    }
}

static void print_json(const char *path, const fn_counts *c, size_t nc, const latency *l, size_t nl)
{
    jw w;
    jw_init(&w, stdout);
    jw_object(&w);
    jw_kstr(&w, "file", path);
    jw_key(&w, "workflows");
    jw_array(&w);
    for (size_t i = 0; i < nc; i++) {
        jw_object(&w);
        jw_kstr(&w, "function", c[i].function);
        long long total = 0;
        for (size_t k = 0; k < NSTATUS; k++) {
            jw_kint(&w, status_name(k), c[i].n[k]);
            total += c[i].n[k];
        }
        jw_kint(&w, "total", total);
        jw_end(&w);
    }
    jw_end(&w);
    jw_key(&w, "await_latency");
    jw_array(&w);
    for (size_t i = 0; i < nl; i++) {
        char num[64];
        jw_object(&w);
        jw_kstr(&w, "function", l[i].function);
        jw_kstr(&w, "await", l[i].await);
        jw_kstr(&w, "kind", l[i].kind);
        jw_kint(&w, "count", (long long)l[i].n);
        static const char *const keys[] = {"mean_ms", "p50_ms", "p90_ms", "p99_ms", "max_ms"};
        double vals[] = {l[i].sum / (double)l[i].n, quantile(&l[i], 0.5), quantile(&l[i], 0.9),
                         quantile(&l[i], 0.99), l[i].ms[l[i].n - 1]};
        for (int k = 0; k < 5; k++) {
            jw_key(&w, keys[k]);
            snprintf(num, sizeof num, "%.3f", vals[k]);
            jw_literal(&w, num);
        }
        jw_end(&w);
    }
    jw_end(&w);
    jw_end(&w);
    jw_finish(&w);
}

static void print_table(const fn_counts *c, size_t nc, const latency *l, size_t nl)
{
    int fw = 8;
    for (size_t i = 0; i < nc; i++)
        if ((int)strlen(c[i].function) > fw)
            fw = (int)strlen(c[i].function);
    for (size_t i = 0; i < nl; i++)
        if ((int)strlen(l[i].function) > fw)
            fw = (int)strlen(l[i].function);
    printf("workflows\n  %-*s", fw, "FUNCTION");
    for (size_t k = 0; k < NSTATUS; k++)
        printf("  %9s", status_name(k));
    printf("  %9s\n", "total");
    long long all[NSTATUS + 1] = {0};
    for (size_t i = 0; i < nc; i++) {
        long long total = 0;
        printf("  %-*s", fw, c[i].function);
        for (size_t k = 0; k < NSTATUS; k++) {
            printf("  %9lld", c[i].n[k]);
            total += c[i].n[k];
            all[k] += c[i].n[k];
        }
        all[NSTATUS] += total;
        printf("  %9lld\n", total);
    }
    printf("  %-*s", fw, "(all)");
    for (size_t k = 0; k <= NSTATUS; k++)
        printf("  %9lld", all[k]);
    printf("\n\nawait latency (between checkpoints)\n");
    if (!nl) {
        printf("  no completed awaits in the history\n");
        return;
    }
    int aw = 5;
    for (size_t i = 0; i < nl; i++)
        if ((int)strlen(l[i].await) > aw)
            aw = (int)strlen(l[i].await);
    printf("  %-*s  %-*s  %-6s  %7s  %8s  %8s  %8s  %8s\n", fw, "FUNCTION", aw, "AWAIT", "KIND", "COUNT", "MEAN",
           "P50", "P90", "MAX");
    for (size_t i = 0; i < nl; i++) {
        char mean[40], p50[40], p90[40], max[40];
        human_ms(mean, l[i].sum / (double)l[i].n);
        human_ms(p50, quantile(&l[i], 0.5));
        human_ms(p90, quantile(&l[i], 0.9));
        human_ms(max, l[i].ms[l[i].n - 1]);
        printf("  %-*s  %-*s  %-6s  %7zu  %8s  %8s  %8s  %8s\n", fw, l[i].function, aw, l[i].await, l[i].kind, l[i].n,
               mean, p50, p90, max);
    }
}

int cli_stats(const cli_args *a)
{
    cli_db d;
    int rc = cli_db_open(&d, a->pos[0]);
    if (rc != CLI_OK)
        return rc;
    fn_counts *c = NULL;
    latency *l = NULL;
    size_t nc = 0, nl = 0;
    rc = load_counts(&d, &c, &nc);
    if (rc == CLI_OK)
        rc = load_latency(&d, &l, &nl);
    if (rc == CLI_OK) {
        if (a->prometheus)
            print_prometheus(c, nc, l, nl);
        else if (a->json)
            print_json(d.path, c, nc, l, nl);
        else
            print_table(c, nc, l, nl);
    }
    for (size_t i = 0; i < nc; i++)
        free(c[i].function);
    for (size_t i = 0; i < nl; i++) {
        free(l[i].function);
        free(l[i].await);
        free(l[i].kind);
        free(l[i].ms);
    }
    free(c);
    free(l);
    cli_db_close(&d);
    return rc;
}
