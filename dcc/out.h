/*
 * out.h — text buffers for emission.  `sb` is a plain growing string;
 * `ob` is the output of one file: it copies the user's text, applies the
 * rewrites of host calls, and keeps the compiler's idea of the current
 * source line in step with the original by writing #line only when the
 * text it emits moves away from the line it came from.
 */
#ifndef DCC_OUT_H
#define DCC_OUT_H

#include "ir.h"

#include <stddef.h>

typedef struct sb {
    char *s;
    size_t n, cap;
} sb;

void sb_put(sb *b, const char *s, size_t n);
void sb_puts(sb *b, const char *s);
void sb_printf(sb *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* Append the user's text [from, to), with host calls rewritten. */
void sb_src(sb *b, const ir_unit *u, unsigned from, unsigned to);
void sb_free(sb *b);

typedef struct ob {
    sb b;
    const ir_unit *u;
    unsigned pos;        /* next byte of the user's text to copy */
    long line;           /* source line the compiler gives the current output line; -1: generated */
    int bol;             /* at the beginning of an output line */
    unsigned long outline; /* output line number of the current line */
    const char *genname; /* file name used for generated lines */
} ob;

void ob_init(ob *o, const ir_unit *u);
/* Generated text; may contain newlines. */
void ob_gen(ob *o, const char *s);
void ob_genf(ob *o, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* Copy the user's text up to `to` (nothing if already past it). */
void ob_src(ob *o, unsigned to);
/* Move the source cursor without copying. */
void ob_skip(ob *o, unsigned to);
/* Make the next output land on source line `line`. */
void ob_line(ob *o, unsigned line);
/* Start a block of generated lines: they are attributed to genname. */
void ob_genblock(ob *o);
/* ob_genblock with a placeholder for the line number: the lines go in a
 * buffer whose place in the file is not known yet (a step function's
 * body); ob_fix_places, on the whole file, writes the numbers. */
void ob_genplace(ob *o);
void ob_fix_places(ob *o);
/* Write a #line for `line` of the source file now (at a line start). */
void ob_sync(ob *o, unsigned line);

#endif
