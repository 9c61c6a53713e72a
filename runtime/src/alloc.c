/*
 * alloc.c — every allocation the runtime makes goes through here, so a test
 * can make the Nth one fail and prove that each error path returns
 * DURABLE_ENOMEM, frees what it took and loses nothing committed (SQLite and
 * Lua test themselves the same way).  Not a general allocator: it only adds
 * the failure knob to the C library's.  Memory is still released with free().
 */
#include "internal.h"

#include <string.h>

/* 0: off.  n > 0: the nth allocation from now fails (then it is off again). */
static _Thread_local long countdown;
static _Thread_local long failed;

DURABLE_API void durable__test_fail_alloc(long n)
{
    countdown = n > 0 ? n : 0;
    if (n > 0)
        failed = 0;
}

DURABLE_API long durable__test_alloc_failed(void)
{
    return failed;
}

DURABLE_API int durable__alloc_fails(void)
{
    if (countdown > 0 && --countdown == 0) {
        failed++;
        return 1;
    }
    return 0;
}

void *durable__malloc(size_t n)
{
    return durable__alloc_fails() ? NULL : malloc(n);
}

void *durable__calloc(size_t n, size_t size)
{
    return durable__alloc_fails() ? NULL : calloc(n, size);
}

void *durable__realloc(void *p, size_t n)
{
    return durable__alloc_fails() ? NULL : realloc(p, n);
}

char *durable__strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = durable__malloc(n);
    return d ? memcpy(d, s, n) : NULL;
}
