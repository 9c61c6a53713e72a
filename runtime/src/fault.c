/*
 * fault.c — the crash knob for tests.  DURABLE_CRASH=before:N (or after:N)
 * makes the process kill itself with SIGKILL just before (or just after) the
 * Nth commit it makes, counting from 1 across every open database.  "Before"
 * means the transaction is written but not committed: it must vanish.
 * "After" means it committed but nothing after it ran: it must survive, and
 * nothing it recorded may run again.  Not meant for production use; reading
 * the variable costs one getenv per process.
 */
#include "internal.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int parsed;
static int crash_phase = -1;
static unsigned long crash_at;
static unsigned long commits;

static void parse(void)
{
    parsed = 1;
    const char *v = getenv("DURABLE_CRASH");
    if (!v || !*v)
        return;
    unsigned long n = 0;
    char what[8] = {0};
    if (sscanf(v, "%7[a-z]:%lu", what, &n) != 2 || n == 0) {
        fprintf(stderr, "durable: ignoring malformed DURABLE_CRASH=%s (want before:N or after:N)\n", v);
        return;
    }
    if (strcmp(what, "before") == 0)
        crash_phase = DURABLE__BEFORE_COMMIT;
    else if (strcmp(what, "after") == 0)
        crash_phase = DURABLE__AFTER_COMMIT;
    else
        fprintf(stderr, "durable: ignoring malformed DURABLE_CRASH=%s (want before:N or after:N)\n", v);
    crash_at = n;
}

void durable__fault_commit(int phase)
{
    if (!parsed)
        parse();
    if (crash_phase < 0)
        return;
    if (phase == DURABLE__BEFORE_COMMIT)
        commits++;
    if (phase == crash_phase && commits == crash_at) {
        fflush(NULL); /* keep what the program printed so far: a crash test reads it */
        kill(getpid(), SIGKILL);
        _exit(137); /* not reached */
    }
}

int64_t durable__realtime_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
