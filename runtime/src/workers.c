/*
 * workers.c — who this worker is and which workers of this host have died.
 *
 * A worker is named host:pid:starttime:n (rt->owner): the process start time
 * in clock ticks makes a pid name one process for the life of the machine, so
 * a claim held by a pid that was reused is still seen as dead.  reap runs
 * inside a round's transaction (round.c) and releases the claims of this
 * host's dead workers (I4); a worker on another host is judged only by its
 * lease, which the store keeps and round.c renews.
 */
#include "scheduler.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* ------------------------------------------------------------------------
 * Workers: identity, leases, dead-process detection
 * ---------------------------------------------------------------------- */

/* Field 22 of /proc/PID/stat: when the process started, in clock ticks since
 * boot.  With the pid it names one process for the life of the machine. */
static unsigned long long proc_start(long pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *p = strrchr(buf, ')'); /* the command name may hold spaces */
    if (!p)
        return 0;
    unsigned long long start = 0;
    /* after ") ": state(3) ... starttime is the 20th field from here */
    if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d %*d %llu",
               &start) != 1)
        return 0;
    return start;
}

void durable__worker_identity(durable_rt *rt)
{
    static unsigned counter;
    char host[64] = "localhost";
    gethostname(host, sizeof host - 1);
    host[sizeof host - 1] = '\0';
    for (char *c = host; *c; c++)
        if (*c == ':')
            *c = '_';
    snprintf(rt->owner, sizeof rt->owner, "%s:%ld:%llu:%u", host, (long)getpid(), proc_start((long)getpid()),
             counter++);
}

/* Is the worker `owner` a process of this host that no longer runs? */
static int worker_dead(const durable_rt *rt, const char *owner)
{
    char host[64], mine[64];
    long pid;
    unsigned long long start;
    if (sscanf(owner, "%63[^:]:%ld:%llu", host, &pid, &start) != 3 ||
        sscanf(rt->owner, "%63[^:]", mine) != 1 || strcmp(host, mine) != 0)
        return 0; /* another host: only its lease can tell */
    return proc_start(pid) != start;
}

/* Inside a transaction: release the claims of this host's dead workers. */
int durable__reap(durable_rt *rt, int64_t now)
{
    char **ids;
    size_t n;
    durable__store *s = rt->store;
    int rc = s->ops->workers(s, now, &ids, &n);
    for (size_t i = 0; rc == DURABLE_OK && i < n; i++)
        if (strcmp(ids[i], rt->owner) != 0 && worker_dead(rt, ids[i])) {
            rc = s->ops->worker_drop(s, ids[i]);
            rt->claim_dirty = 1;
        }
    durable__ids_free(ids, n); /* NULL and 0 if the listing failed */
    return rc;
}
