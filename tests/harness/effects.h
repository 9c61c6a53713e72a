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

/* Append one line to $DURABLE_TEST_EFFECTS (nothing if it is unset). */
static inline void effect(const char *fmt, ...)
{
    const char *path = getenv("DURABLE_TEST_EFFECTS");
    FILE *f = path ? fopen(path, "a") : NULL;
    if (!f)
        return;
    va_list ap;
    va_start(ap, fmt);
    vfprintf(f, fmt, ap);
    va_end(ap);
    fputc('\n', f);
    fclose(f);
}
#endif
