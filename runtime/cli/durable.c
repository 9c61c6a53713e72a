/*
 * durable.c — the `durable` command-line tool: inspect and operate the
 * workflows in a libdurable database — an SQLite file or a PostgreSQL URI
 * (postgresql://...) wherever FILE is written — with no user program at
 * hand (the database stores every frame schema it needs).
 *
 *   durable list FILE [--status S[,S...]] [--function F] [--limit N] [--offset N] [--json]
 *   durable show FILE ID [--json]
 *   durable history FILE ID [--limit N] [--offset N] [--json]
 *   durable signal FILE ID NAME [DATA]      durable signal FILE --all NAME [DATA]
 *   durable cancel | retry | pause | resume FILE ID
 *   durable purge FILE --older-than DURATION | --before DURATION|TIME
 *
 * This file owns the command line: the command table, option parsing, help
 * text and exit codes (0 success, 1 a user error, 2 an internal error).  The
 * commands themselves live in list.c, show.c, history.c, stats.c and control.c;
 * docs/cli.md is the reference.
 */
#include "cli.h"

#include <errno.h>
#include <sqlite3.h> /* sqlite3_libversion, for --version */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* Options a command accepts, as bits. */
enum {
    OPT_JSON = 1 << 0,
    OPT_STATUS = 1 << 1,
    OPT_FUNCTION = 1 << 2,
    OPT_LIMIT = 1 << 3,
    OPT_OFFSET = 1 << 4,
    OPT_BEFORE = 1 << 5,
    OPT_ALL = 1 << 6,
    OPT_PROMETHEUS = 1 << 7,
};

typedef struct command {
    const char *name;
    int (*run)(const cli_args *a);
    int min_pos, max_pos; /* positional arguments, FILE included */
    int options;
    const char *usage;
    const char *help;
} command;

static const command commands[] = {
    {"list", cli_list, 1, 1, OPT_JSON | OPT_STATUS | OPT_FUNCTION | OPT_LIMIT | OPT_OFFSET,
     "list FILE [--status S[,S...]] [--function F] [--limit N] [--offset N] [--json]",
     "List workflows (children included) in creation order: id, function, status, the await each is\n"
     "at, and when it was created and last updated.\n"
     "\n"
     "  --status S     only these statuses: ready, waiting, done, failed, cancelled, held, paused\n"
     "                 (comma-separated for several)\n"
     "  --function F   only workflows running durable function F\n"
     "  --limit N      at most N rows (default 100; 0 for all)\n"
     "  --offset N     skip the first N rows\n"
     "  --json         machine-readable output (docs/cli.md)\n"},
    {"show", cli_show, 2, 2, OPT_JSON, "show FILE ID [--json]",
     "Show one workflow: function, status, the source line of the await it is suspended at and what\n"
     "it waits for, its arguments and live locals decoded by name and type, its children, its error\n"
     "and its result.\n"
     "\n"
     "  --json         machine-readable output (docs/cli.md)\n"},
    {"history", cli_history, 2, 2, OPT_JSON | OPT_LIMIT | OPT_OFFSET, "history FILE ID [--limit N] [--offset N] [--json]",
     "Show a workflow's checkpoints over time: each await reached, retried, failed or completed.\n"
     "\n"
     "  --limit N      at most N rows (default all)\n"
     "  --offset N     skip the first N rows\n"
     "  --json         machine-readable output (docs/cli.md)\n"},
    {"stats", cli_stats, 1, 1, OPT_JSON | OPT_PROMETHEUS, "stats FILE [--json | --prometheus]",
     "Count workflows by durable function and status, and give how long awaits took (count, mean,\n"
     "median, 90th percentile, maximum by function and await), from the history in the file.  A\n"
     "step counts from the checkpoint before it to its own; an await that suspends (timer, signal,\n"
     "child, all/any, retry) from its checkpoint to the next one.\n"
     "\n"
     "  --json         machine-readable output (docs/cli.md)\n"
     "  --prometheus   the Prometheus text exposition format: durable_workflows{function,status},\n"
     "                 durable_await_latency_seconds{function,await,kind} (a summary)\n"},
    {"signal", cli_signal, 3, 4, OPT_ALL, "signal FILE ID NAME [DATA]  |  signal FILE --all NAME [DATA]",
     "Send signal NAME with DATA (text, default empty) to workflow ID: it wakes if it waits for NAME,\n"
     "else the signal is queued for its next wait.  With --all, deliver NAME to every workflow\n"
     "waiting for it now (nothing is queued).\n"},
    {"cancel", cli_cancel, 2, 2, 0, "cancel FILE ID",
     "Cancel workflow ID and its children: the await each is suspended at returns with\n"
     "DURABLE_ECANCELLED, so its code can compensate, the next time a program runs it.\n"},
    {"retry", cli_retry, 2, 2, 0, "retry FILE ID",
     "Run a failed workflow again from the await where it failed (its attempts start anew).\n"},
    {"pause", cli_pause, 2, 2, 0, "pause FILE ID", "Pause workflow ID: it keeps its frame and timers and is not run.\n"},
    {"resume", cli_resume, 2, 2, 0, "resume FILE ID",
     "Resume a paused workflow (a timer that fell due while paused fires now).\n"},
    {"purge", cli_purge, 1, 1, OPT_BEFORE, "purge FILE --older-than DURATION | --before DURATION|TIME",
     "Delete finished workflows (done, failed, cancelled) last updated before a time, with their\n"
     "history and finished children.\n"
     "\n"
     "  --older-than D  D ago: 30m, 12h, 7d, 2w, 1d12h (a bare number is seconds)\n"
     "  --before T      the same, or an absolute UTC time 2026-11-01T00:00:00Z\n"},
};

#define NCOMMANDS (sizeof commands / sizeof commands[0])

void cli_error(const char *fmt, ...)
{
    va_list ap;
    fputs("durable: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

_Noreturn void cli_oom(void)
{
    fputs("durable: out of memory\n", stderr);
    exit(CLI_EINTERNAL);
}

void cli_fail_internal(const char *fmt, ...)
{
    va_list ap;
    fputs("durable: internal error: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(CLI_EINTERNAL);
}

int cli_exit_for(int durable_rc)
{
    switch (durable_rc) {
    case DURABLE_OK: return CLI_OK;
    case DURABLE_ENOMEM:
    case DURABLE_EINVAL: /* the tool passed something wrong: our bug */
        return CLI_EINTERNAL;
    default: return CLI_EUSER;
    }
}

/* The overview: every command's synopsis, then exit statuses. */
static void usage(FILE *f)
{
    fputs("usage: durable COMMAND FILE [ARGS] [OPTIONS]\n"
          "\n"
          "Inspect and operate the durable workflows in a libdurable database: FILE is an\n"
          "SQLite file or a PostgreSQL URI (postgresql://user@host:port/dbname).\n"
          "\n"
          "Read (never writes the database):\n",
          f);
    for (size_t i = 0; i < NCOMMANDS; i++) {
        if (i == 4)
            fputs("\nWrite (through libdurable):\n", f);
        fprintf(f, "  durable %s\n", commands[i].usage);
    }
    fputs("\n"
          "  durable COMMAND --help    help on one command\n"
          "  durable --version\n"
          "\n"
          "Exit status: 0 success, 1 user error (unknown id, not a durable database, bad\n"
          "arguments, a refused operation), 2 internal error.  Reference: docs/cli.md.\n",
          f);
}

/* `durable COMMAND --help`: the synopsis and what the command does. */
static void command_help(const command *c)
{
    printf("usage: durable %s\n\n%s", c->usage, c->help);
}

/* A non-negative integer option value. */
static int parse_count(const char *opt, const char *v, long long *out)
{
    char *end;
    long long n = strtoll(v, &end, 10);
    if (!*v || *end || n < 0) {
        cli_error("%s: expected a non-negative integer, got '%s'", opt, v);
        return -1;
    }
    *out = n;
    return 0;
}

/* Parse argv[i..] for command c into *a.  Options may appear anywhere; "--"
 * ends them.  Returns -1 after reporting an error, 1 if help was asked. */
static int parse(const command *c, int argc, char **argv, cli_args *a)
{
    memset(a, 0, sizeof *a);
    a->limit = -1;
    int options_done = 0;
    for (int i = 0; i < argc; i++) {
        const char *arg = argv[i];
        if (!options_done && strcmp(arg, "--") == 0) {
            options_done = 1;
            continue;
        }
        if (options_done || arg[0] != '-' || arg[1] == '\0') {
            if (a->npos == c->max_pos) {
                cli_error("%s: unexpected argument '%s' (see durable %s --help)", c->name, arg, c->name);
                return -1;
            }
            a->pos[a->npos++] = arg;
            continue;
        }
        if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0)
            return 1;
        /* --name=value or --name value */
        char name[32];
        const char *eq = strchr(arg, '=');
        size_t nl = eq ? (size_t)(eq - arg) : strlen(arg);
        if (nl >= sizeof name)
            nl = sizeof name - 1;
        memcpy(name, arg, nl);
        name[nl] = '\0';
        static const struct {
            const char *name;
            int bit, takes_value;
        } opts[] = {{"--json", OPT_JSON, 0},     {"--status", OPT_STATUS, 1},     {"--function", OPT_FUNCTION, 1},
                    {"--limit", OPT_LIMIT, 1},   {"--offset", OPT_OFFSET, 1},     {"--before", OPT_BEFORE, 1},
                    {"--older-than", OPT_BEFORE, 1}, {"--all", OPT_ALL, 0},
                    {"--prometheus", OPT_PROMETHEUS, 0}};
        int found = -1;
        for (size_t k = 0; k < sizeof opts / sizeof opts[0]; k++)
            if (strcmp(name, opts[k].name) == 0 && (c->options & opts[k].bit))
                found = (int)k;
        if (found < 0) {
            cli_error("%s: unknown option '%s' (see durable %s --help)", c->name, name, c->name);
            return -1;
        }
        const char *value = NULL;
        if (opts[found].takes_value) {
            if (eq) {
                value = eq + 1;
            } else if (i + 1 < argc) {
                value = argv[++i];
            } else {
                cli_error("%s: option %s needs a value", c->name, name);
                return -1;
            }
        } else if (eq) {
            cli_error("%s: option %s takes no value", c->name, name);
            return -1;
        }
        switch (opts[found].bit) {
        case OPT_JSON: a->json = 1; break;
        case OPT_STATUS: a->status = value; break;
        case OPT_FUNCTION: a->function = value; break;
        case OPT_LIMIT:
            if (parse_count(name, value, &a->limit) != 0)
                return -1;
            break;
        case OPT_OFFSET:
            if (parse_count(name, value, &a->offset) != 0)
                return -1;
            break;
        case OPT_BEFORE:
            if (a->before) {
                cli_error("%s: give one of --before and --older-than", c->name);
                return -1;
            }
            a->before = value;
            break;
        case OPT_ALL: a->all = 1; break;
        case OPT_PROMETHEUS: a->prometheus = 1; break;
        }
    }
    int min = c->min_pos - (a->all ? 1 : 0); /* signal --all has no ID */
    if (a->npos < min) {
        cli_error("%s: missing arguments\nusage: durable %s", c->name, c->usage);
        return -1;
    }
    return 0;
}

/* Output that could not all be written (a full disk, say) fails the
 * command: a caller must not take a cut-off listing for the whole one. */
static int flushed(int status)
{
    int e = fflush(stdout) != 0 ? errno : 0;
    if (ferror(stdout) && status == CLI_OK) {
        cli_error("standard output: cannot write: %s", e ? strerror(e) : "write error");
        return CLI_EUSER;
    }
    return status;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return CLI_EUSER;
    }
    const char *name = argv[1];
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0 || strcmp(name, "help") == 0) {
        if (argc > 2) {
            for (size_t i = 0; i < NCOMMANDS; i++)
                if (strcmp(argv[2], commands[i].name) == 0) {
                    command_help(&commands[i]);
                    return flushed(CLI_OK);
                }
        }
        usage(stdout);
        return flushed(CLI_OK);
    }
    if (strcmp(name, "--version") == 0 || strcmp(name, "version") == 0) {
        printf("durable %d.%d (Durable C; database format 1; SQLite %s)\n", DURABLE_VERSION_MAJOR,
               DURABLE_VERSION_MINOR, sqlite3_libversion());
        return flushed(CLI_OK);
    }
    for (size_t i = 0; i < NCOMMANDS; i++) {
        if (strcmp(name, commands[i].name) != 0)
            continue;
        cli_args a;
        int rc = parse(&commands[i], argc - 2, argv + 2, &a);
        if (rc < 0)
            return CLI_EUSER;
        if (rc > 0) {
            command_help(&commands[i]);
            return flushed(CLI_OK);
        }
        return flushed(commands[i].run(&a));
    }
    cli_error("unknown command '%s' (see durable --help)", name);
    return CLI_EUSER;
}
