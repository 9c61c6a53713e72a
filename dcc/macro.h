/*
 * macro.h — dcc's own expansion of macro invocations in durable bodies.
 *
 * An await or a return written through a macro cannot be rewritten in the
 * user's text: libclang collapses everything a macro expands to onto the
 * invocation and does not expose the expanded tokens.  So cx.c replaces
 * each such invocation, inside durable function bodies only, by its
 * expansion and parses the file again (docs/translation.md, "Macros").
 *
 * This file is the expansion itself (C11 6.10.3: arguments, #, ##,
 * rescanning with hide sets, __VA_ARGS__, GNU `, ## __VA_ARGS__`), on dcc's
 * own tokens; cx.c supplies the tokens of the invocation and of the macro
 * definitions from libclang.  `await` is never expanded: it stays as
 * written, for the second parse to find.
 */
#ifndef DCC_MACRO_H
#define DCC_MACRO_H

#include "ir.h"

typedef struct mtok {
    const char *s;          /* spelling (not NUL-terminated) */
    int len;
    unsigned char ident;    /* identifier or keyword */
    unsigned char space;    /* whitespace before it */
    unsigned char literal;  /* string or character literal */
    unsigned origin;        /* main-file offset of the text it comes from */
    const char **hs; int nhs; /* hide set: macros it may not expand again */
} mtok;

typedef struct mdef {
    const char *name;
    int fnlike, variadic;   /* variadic: the last parameter takes the rest */
    const char **params; int nparams;
    mtok *body; int nbody;
} mdef;

typedef struct mexp {
    ir_unit *u;             /* arena, and diagnostics against the original text */
    /* the definition `name` has where the invocation is, NULL if it is not
     * a macro there */
    const mdef *(*lookup)(void *ctx, const char *name, int len);
    void *ctx;
    const char *outer;      /* name of the invocation being expanded */
    unsigned at;            /* its offset in the main file */
    int quiet;              /* report nothing (a trial expansion) */
    int strict;             /* ISO mode (-std=c11, __STRICT_ANSI__): `, ## __VA_ARGS__`
                               keeps its comma in a macro with no named parameter */
} mexp;

/* Expand tokens in[0..n) completely.  Returns the number of tokens in *out
 * (arena memory), or -1 after reporting an error with diag_error. */
int macro_expand(mexp *X, const mtok *in, int n, mtok **out);

/* Is t's own name in its hide set (a macro name left unexpanded)? */
int macro_painted(const mtok *t);

/* Does the token list contain identifier `word`? */
int macro_has(const mtok *t, int n, const char *word);

#endif
