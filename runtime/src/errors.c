/*
 * errors.c — messages and names for the codes of durable.h, generated from
 * the one DURABLE_ERRORS table, plus workflow status names and the message
 * of a failed durable_open.
 */
#include "internal.h"

#include <stdarg.h>
#include <stdio.h>

DURABLE_API const char *durable_strerror(int code)
{
    switch (code) {
    case DURABLE_OK: return "success";
#define X(name, value, msg) case value: return msg;
        DURABLE_ERRORS(X)
#undef X
    default: return "unknown error";
    }
}

DURABLE_API const char *durable_errname(int code)
{
    switch (code) {
    case DURABLE_OK: return "OK";
#define X(name, value, msg) case value: return #name;
        DURABLE_ERRORS(X)
#undef X
    default: return "UNKNOWN";
    }
}

DURABLE_API const char *durable_status_name(int status)
{
    switch (status) {
    case DURABLE_READY: return "ready";
    case DURABLE_WAITING: return "waiting";
    case DURABLE_DONE: return "done";
    case DURABLE_FAILED: return "failed";
    case DURABLE_CANCELLED: return "cancelled";
    case DURABLE_HELD: return "held";
    case DURABLE_PAUSED: return "paused";
    default: return "unknown";
    }
}

/* Why the last durable_open on this thread failed. */
static _Thread_local char open_error[512];

void durable__set_open_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(open_error, sizeof open_error, fmt, ap);
    va_end(ap);
}

DURABLE_API const char *durable_open_error(void)
{
    return open_error;
}
