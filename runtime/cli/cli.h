/*
 * cli.h — what the modules of the `durable` command-line tool share.
 *
 *   durable.c   arguments, the command table, help, exit codes
 *   db.c        opening a database for reading, through the store layer
 *   schema.c    decoding value blobs with a stored schema
 *   value.c     decoded values as text and as JSON
 *   output.c    growable strings, the JSON writer, times and durations
 *   list.c, show.c, history.c, stats.c   the read commands
 *   control.c   the write commands, through the libdurable host API only
 *
 * Every command takes an SQLite file or a PostgreSQL URI (postgresql://,
 * postgres://).  The tool holds no SQL and no connection of its own: the
 * read commands call the read operations of the store layer
 * (runtime/src/store.h, durable__read_ops), which both stores implement and
 * which decode every encoding; the write commands call the host API.  The
 * read commands never write to the database.  Every command returns an exit
 * status: CLI_OK, CLI_EUSER (a mistake of the caller or a database that is
 * not usable: message on stderr) or CLI_EINTERNAL (a bug or an exhausted
 * machine).
 */
#ifndef DURABLE_CLI_H
#define DURABLE_CLI_H

#include "internal.h" /* durable_field, durable__decode, durable__arena */
#include "store.h"    /* the read operations */

#include <stdint.h>
#include <stdio.h>

enum { CLI_OK = 0, CLI_EUSER = 1, CLI_EINTERNAL = 2 };

/* ---- durable.c ---- */

/* Print "durable: <message>" on stderr.  Returns nothing; callers return
 * the exit status themselves. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Out of memory: report and exit(CLI_EINTERNAL).  The tool holds no state
 * that needs cleaning up, and read commands have written nothing. */
_Noreturn void cli_oom(void);
/* A broken invariant of the tool itself: report and exit(CLI_EINTERNAL). */
_Noreturn void cli_fail_internal(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The exit status for a libdurable return code: CLI_EINTERNAL for codes
 * that mean a bug or no memory, CLI_EUSER for the rest. */
int cli_exit_for(int durable_rc);

/* One parsed command line: the command's positional arguments and options. */
typedef struct cli_args {
    const char *pos[4];
    int npos;
    int json;
    const char *status;   /* list --status */
    const char *function; /* list --function */
    long long limit;      /* list/history --limit (-1: not given) */
    long long offset;     /* list/history --offset */
    const char *before;   /* purge --before / --older-than */
    int all;              /* signal --all */
    int prometheus;       /* stats --prometheus */
} cli_args;

/* The commands (list.c, show.c, history.c, control.c).  Each prints its
 * output on stdout, or why it failed on stderr, and returns an exit status. */
int cli_list(const cli_args *a);
int cli_show(const cli_args *a);
int cli_history(const cli_args *a);
int cli_stats(const cli_args *a);
int cli_signal(const cli_args *a);
int cli_cancel(const cli_args *a);
int cli_retry(const cli_args *a);
int cli_pause(const cli_args *a);
int cli_resume(const cli_args *a);
int cli_purge(const cli_args *a);

/* ---- output.c ---- */

/* A growable NUL-terminated string.  Zero-initialised is empty. */
typedef struct strbuf {
    char *p;
    size_t n, cap;
} strbuf;

void sb_add(strbuf *b, const char *s, size_t n);
void sb_puts(strbuf *b, const char *s);
void sb_printf(strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
const char *sb_str(const strbuf *b); /* "" when empty */
void sb_free(strbuf *b);

/* Append bytes as the inside of a double-quoted string: text as it is
 * (valid UTF-8 included), quotes, backslashes, control bytes and invalid
 * UTF-8 escaped (\n, \", \xNN in C style; \uNNNN in JSON style). */
void sb_quote(strbuf *b, const char *s, size_t n, int json);

/* A streaming JSON writer with two-space indentation.  Containers nest up
 * to JW_DEPTH; a key must precede each value inside an object. */
#define JW_DEPTH 128 /* > 2 levels (array, struct) per nesting level of schema.c, plus 4 */
typedef struct jw {
    FILE *f;
    int depth;
    int count[JW_DEPTH];  /* values written so far in each open container */
    char close[JW_DEPTH]; /* its closing bracket */
    int keyed;            /* a key was written; its value comes next */
} jw;

void jw_init(jw *w, FILE *f);
void jw_object(jw *w);
void jw_array(jw *w);
void jw_end(jw *w);                        /* closes the innermost container */
void jw_key(jw *w, const char *key);
void jw_string(jw *w, const char *s);      /* NULL writes null */
void jw_stringn(jw *w, const char *s, size_t n);
void jw_int(jw *w, long long v);
void jw_uint(jw *w, unsigned long long v);
void jw_bool(jw *w, int v);
void jw_null(jw *w);
void jw_literal(jw *w, const char *text);  /* a number already formatted */
void jw_finish(jw *w);                     /* newline after the top value */

/* Key-value shorthands for objects. */
void jw_kstr(jw *w, const char *key, const char *s);
void jw_kint(jw *w, const char *key, long long v);
void jw_kbool(jw *w, const char *key, int v);
/* "<key>_ms": ms and "<key>": ISO-8601 text, or null for both when ms <= 0. */
void jw_ktime(jw *w, const char *key, int64_t ms);

/* Milliseconds since the epoch, now. */
int64_t cli_now_ms(void);
/* "2026-11-21T20:48:19Z" (".123" before the Z when ms are not 0). */
void cli_iso_time(char out[40], int64_t ms);
/* "in 4m12s", "3h5m ago", "now": two significant units. */
void cli_relative(char out[40], int64_t ms, int64_t now);
/* A duration: "90s", "30m", "12h", "7d", "2w", "1d12h", "500ms"; a bare
 * number is seconds.  Returns 0 and sets *ms, or -1 if malformed. */
int cli_parse_duration(const char *s, int64_t *ms);
/* An absolute UTC time "YYYY-MM-DD[THH:MM[:SS]][Z]".  0 or -1. */
int cli_parse_time(const char *s, int64_t *ms);

/* ---- db.c ---- */

#define CLI_NAME 512 /* room for a database's name in messages */

typedef struct cli_db {
    durable__store *s;
    const durable__read_ops *rd;
    char name[CLI_NAME]; /* the file, or the URI without its password */
    const char *path;    /* = name: what messages and "file" in JSON show */
    int64_t now_ms;
    struct cli_cached *schemas; /* cli_schema_of's */
    size_t nschemas;
} cli_db;

/* Is `where` a PostgreSQL URI (else an SQLite path)? */
int cli_is_uri(const char *where);
/* Open `where` for reading (durable__store_open_read: a file only if it is
 * ours, untouched; a database only if it has our schema).  Returns CLI_OK,
 * or an exit status after printing "<name>: <why>". */
int cli_db_open(cli_db *d, const char *where);
void cli_db_close(cli_db *d);
/* Schema fp, read once per command and kept until cli_db_close; NULL when
 * the store has none (or it could not be read). */
const durable__schema_view *cli_schema_of(cli_db *d, uint64_t fp);
/* The callee and line of await `id` of schema fp: 1, or 0 when unknown. */
int cli_await_of(cli_db *d, uint64_t fp, int id, const char **callee, long long *line);
/* A read operation failed with rc: print why, return the exit status. */
int cli_db_fail(cli_db *d, int rc);
/* Why the OS would refuse a write to file `path` that libdurable reports
 * only as DURABLE_EIO — the file not writable, or its directory (where
 * SQLite keeps the -wal and -shm files) not writable — appended to `why`:
 * 1, or 0 if it sees no reason (always for a URI).  (A failed durable_open
 * says why itself.) */
int cli_why_unwritable(const char *path, strbuf *why);

/* ---- schema.c ---- */

/* A decoded value blob: the struct the descriptors describe, with strings
 * in an arena.  rc is DURABLE_OK, DURABLE_EINVAL (the schema's descriptors
 * are malformed), or DURABLE_ECORRUPT / DURABLE_ENEWER (the blob).  When a
 * corrupt blob's header is intact, the fields before the damage are still
 * decoded: fields [0, nvalid) hold values (all of them when rc is OK; when
 * nvalid == n and rc is ECORRUPT, `trailing` bytes follow the last field). */
typedef struct cli_decoded {
    unsigned char *base;
    durable__arena strings;
    int rc;
    uint32_t nvalid;
    size_t trailing;
} cli_decoded;

void cli_decode(const durable_field *f, uint32_t n, int valid, uint32_t total, const void *blob, size_t len,
                cli_decoded *out);
void cli_decoded_free(cli_decoded *d);
/* Is p (a decoded pointer) a label naming what it points to ("table+8")? */
int cli_is_label(const void *p);
/* Why rc failed, for display: "schema descriptors are malformed", ... */
const char *cli_decode_why(int rc);

/* ---- value.c ---- */

/* The value of field f whose bytes start at p (p = base + f->offset). */
void cli_value_text(strbuf *b, const durable_field *f, const unsigned char *p);
void cli_value_json(jw *w, const durable_field *f, const unsigned char *p);
/* "int order", "char label[16]", "struct box boxes[2]": a C declaration. */
void cli_decl(strbuf *b, const char *type, const char *name);

#endif
