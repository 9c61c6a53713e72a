/*
 * effects.h — how a test program's steps report that they ran: one line
 * each in the file $DURABLE_TEST_EFFECTS, which crashloop compares with an
 * uninterrupted run to prove no step re-ran after its checkpoint committed.
 */
#ifndef TEST_EFFECTS_H
#define TEST_EFFECTS_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

/* Append one line to $DURABLE_TEST_EFFECTS (nothing if it is unset).  The
 * line goes to the stream in one fputs: a step on a pool thread may be here
 * when the crash knob's fflush(NULL) runs on another thread, and that flush
 * must find the whole line or none of it, never half. */
static inline void effect(const char *fmt, ...)
{
    const char *path = getenv("DURABLE_TEST_EFFECTS");
    FILE *f = path ? fopen(path, "a") : NULL;
    if (!f)
        return;
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line - 1, fmt, ap);
    va_end(ap);
    if (n < 0)
        n = 0;
    if ((size_t)n > sizeof line - 2)
        n = (int)sizeof line - 2;
    line[n] = '\n';
    line[n + 1] = 0;
    fputs(line, f);
    fclose(f);
}
#endif
