/*
 * translate.h — the one entry point from dcc's driver (main.c) into the
 * translator (cx.c, find.c, live.c, lower.c, emit.c, diag.c).
 *
 * The driver owns command lines, temporary files and the real compiler; the
 * translator owns libclang and turns one source file into C.  Nothing else
 * crosses this line.
 */
#ifndef DCC_TRANSLATE_H
#define DCC_TRANSLATE_H

#include <stdio.h>

/* Exit codes shared by the whole tool. */
enum { DCC_OK = 0, DCC_EUSER = 1, DCC_EINTERNAL = 2 };

typedef struct dcc_translate_opts {
    const char *path;            /* the source file, as named on the command line */
    const char *const *args;     /* parse flags: -I -D -U -std -isystem --sysroot -include ... */
    int nargs;                   /* (no argv[0], no -c/-o, no input file) */
} dcc_translate_opts;

/* Translate opts->path.  If it contains durable code (durable functions,
 * awaits, or host calls of durable functions), write the translated C to
 * `out` and set *changed = 1; otherwise write nothing and set *changed = 0
 * (the driver then compiles the original file as it is).
 * Diagnostics go to stderr as `file:line:col: error: ...`.
 * Returns DCC_OK, DCC_EUSER (the input is refused or does not parse) or
 * DCC_EINTERNAL. */
int dcc_translate(const dcc_translate_opts *opts, FILE *out, int *changed);

/* What dcc_translate can emit besides C. */
typedef enum { DCC_EMIT_C = 0, DCC_EMIT_DOT, DCC_EMIT_JSON } dcc_emit_kind;
int dcc_translate_as(const dcc_translate_opts *opts, dcc_emit_kind kind, FILE *out, int *changed);

#endif
