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
 * that wrote the row (the history's fingerprint; a file from before that
 * column gives the event's kind instead).  The last await of an unfinished
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

/* The column of a stored status and paused flag, or -1. */
static int status_index(int status, int paused)
{
    if (paused && (status == DURABLE_READY || status == DURABLE_WAITING))
        return DURABLE_PAUSED - DURABLE_READY;
    return status >= DURABLE_READY && status < DURABLE_PAUSED ? status - DURABLE_READY : -1;
}

typedef struct counts {
    fn_counts *v;
    size_t n;
} counts;

static void add_count(void *ctx, const durable__count_row *c)
{
    counts *cs = ctx;
    fn_counts *g = NULL;
    for (size_t i = 0; i < cs->n && !g; i++)
        if (strcmp(cs->v[i].function, c->function) == 0)
            g = &cs->v[i];
    if (!g) {
        fn_counts *grown = realloc(cs->v, (cs->n + 1) * sizeof *grown);
        if (!grown)
            cli_oom();
        cs->v = grown;
        g = &cs->v[cs->n++];
        memset(g, 0, sizeof *g);
        g->function = dup_or_oom(c->function);
    }
    int k = status_index(c->status, c->paused);
    if (k >= 0)
        g->n[k] += c->n;
}

static int cmp_counts(const void *a, const void *b)
{
    return strcmp(((const fn_counts *)a)->function, ((const fn_counts *)b)->function);
}

/* Counts by function and status: rows in function order. */
static int load_counts(cli_db *d, fn_counts **out, size_t *nout)
{
    counts cs = {NULL, 0};
    int rc = d->rd->counts(d->s, add_count, &cs);
    if (cs.n)
        qsort(cs.v, cs.n, sizeof *cs.v, cmp_counts);
    *out = cs.v;
    *nout = cs.n;
    return rc == DURABLE_OK ? CLI_OK : cli_db_fail(d, rc);
}

/* History events of an await that suspends the workflow until something
 * happens (the next checkpoint comes after it). */
static int suspending(const char *event)
{
    static const char *const names[] = {"sleep", "signal", "call", "all", "any", "retry"};
    for (size_t i = 0; event && i < sizeof names / sizeof *names; i++)
        if (strcmp(event, names[i]) == 0)
            return 1;
    return 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static int cmp_latency(const void *a, const void *b)
{
    const latency *x = a, *y = b;
    int c = strcmp(x->function, y->function);
    if (!c)
        c = strcmp(x->await, y->await);
    return c ? c : strcmp(x->kind, y->kind);
}

/* The scan of the whole history: the previous row of the same workflow. */
typedef struct scan {
    cli_db *d;
    latency *v;
    size_t n;
    char *workflow, *event;
    int await_id, has_fp;
    uint64_t fp;
    int64_t at_ms;
} scan;

static void add_interval(scan *sc, const char *function, const char *await, const char *kind, double ms)
{
    latency *g = NULL;
    for (size_t i = sc->n; i-- > 0 && !g;)
        if (strcmp(sc->v[i].function, function) == 0 && strcmp(sc->v[i].await, await) == 0 &&
            strcmp(sc->v[i].kind, kind) == 0)
            g = &sc->v[i];
    if (!g) {
        latency *grown = realloc(sc->v, (sc->n + 1) * sizeof *grown);
        if (!grown)
            cli_oom();
        sc->v = grown;
        g = &sc->v[sc->n++];
        memset(g, 0, sizeof *g);
        g->function = dup_or_oom(function);
        g->await = dup_or_oom(await);
        g->kind = dup_or_oom(kind);
    }
    if (g->n == g->cap) {
        g->cap = g->cap ? g->cap * 2 : 16;
        double *m = realloc(g->ms, g->cap * sizeof *m);
        if (!m)
            cli_oom();
        g->ms = m;
    }
    g->ms[g->n++] = ms < 0 ? 0 : ms; /* a clock stepped back: not negative */
    g->sum += ms < 0 ? 0 : ms;
}

/* Each interval between two checkpoints of a workflow is counted once: for
 * the await pending during it when the earlier one suspended, else for the
 * step the later one records. */
static void scan_row(void *ctx, const durable__history_row *h)
{
    scan *sc = ctx;
    const char *wf = h->workflow ? h->workflow : "";
    if (sc->workflow && strcmp(sc->workflow, wf) == 0 && h->function) {
        int susp = suspending(sc->event);
        if (susp || (h->event && (strcmp(h->event, "step") == 0 || strcmp(h->event, "step-failed") == 0))) {
            const char *kind = susp ? sc->event : "step";
            int aw = susp ? sc->await_id : h->await_id;
            int has_fp = susp ? sc->has_fp : h->has_fingerprint;
            uint64_t fp = susp ? sc->fp : h->fingerprint;
            const char *callee = NULL;
            long long line;
            if (!has_fp || !cli_await_of(sc->d, fp, aw, &callee, &line) || !callee[0])
                callee = kind;
            add_interval(sc, h->function, callee, kind, (double)(h->at_ms - sc->at_ms));
        }
    }
    if (!sc->workflow || strcmp(sc->workflow, wf) != 0) {
        free(sc->workflow);
        sc->workflow = dup_or_oom(wf);
    }
    free(sc->event);
    sc->event = dup_or_oom(h->event);
    sc->await_id = h->await_id;
    sc->has_fp = h->has_fingerprint;
    sc->fp = h->fingerprint;
    sc->at_ms = h->at_ms;
}

/* Await latencies grouped by function, await and kind (sorted). */
static int load_latency(cli_db *d, latency **out, size_t *nout)
{
    scan sc;
    memset(&sc, 0, sizeof sc);
    sc.d = d;
    int rc = d->rd->history(d->s, NULL, 0, -1, scan_row, &sc);
    free(sc.workflow);
    free(sc.event);
    if (sc.n)
        qsort(sc.v, sc.n, sizeof *sc.v, cmp_latency);
    for (size_t i = 0; i < sc.n; i++)
        qsort(sc.v[i].ms, sc.v[i].n, sizeof *sc.v[i].ms, cmp_double);
    *out = sc.v;
    *nout = sc.n;
    return rc == DURABLE_OK ? CLI_OK : cli_db_fail(d, rc);
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
