/*
 * diag.c — printing dcc's diagnostics to stderr in the format compilers use,
 * so editors and CI parse them like any compiler error.
 */
#include "diag.h"

#include <stdarg.h>
#include <stdio.h>

static int nerrors;

static void report(const ir_unit *u, unsigned off, const char *what, const char *fmt, va_list ap)
{
    unsigned line, col;
    ir_origin(u, off, &line, &col);
    fprintf(stderr, "%s:%u:%u: %s: ", u->path, line, col, what);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

void diag_error(const ir_unit *u, unsigned off, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    report(u, off, "error", fmt, ap);
    va_end(ap);
    nerrors++;
}

void diag_warning(const ir_unit *u, unsigned off, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    report(u, off, "warning", fmt, ap);
    va_end(ap);
}

void diag_note(const ir_unit *u, unsigned off, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    report(u, off, "note", fmt, ap);
    va_end(ap);
}

int diag_count(void) { return nerrors; }
void diag_reset(void) { nerrors = 0; }
