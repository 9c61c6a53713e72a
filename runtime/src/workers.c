/*
 * workers.c — who this worker is and which workers of this host have died.
 *
 * A worker is named host:pid:starttime:n (rt->owner): the process start time
 * in clock ticks makes a pid name one process for the life of the machine, so
 * a claim held by a pid that was reused is still seen as dead.  reap runs
 * inside a round's transaction (round.c) and releases the claims of this
 * host's dead workers (I4); a worker on another host is judged only by its
 * lease, which the store keeps and round.c renews.
 *
 * "host" is the host name and the PID namespace: hostname.pidns (the inode
 * of /proc/self/ns/pid).  Two containers may share a host name, and a pid of
 * one means nothing in the other; only a worker whose pids this process can
 * see is judged by /proc, every other one by its lease, as on another
 * machine.  (A name written by an older build has no .pidns part: it never
 * matches, so it too is judged by its lease — the safe side.)
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

/* The inode of this process's PID namespace ("pid:[4026531836]"), or 0. */
static unsigned long long pid_namespace(void)
{
    char link[64];
    ssize_t n = readlink("/proc/self/ns/pid", link, sizeof link - 1);
    unsigned long long ino = 0;
    if (n > 0) {
        link[n] = '\0';
        if (sscanf(link, "pid:[%llu]", &ino) != 1)
            ino = 0;
    }
    return ino;
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
    snprintf(rt->owner, sizeof rt->owner, "%s.%llu:%ld:%llu:%u", host, pid_namespace(), (long)getpid(),
             proc_start((long)getpid()), counter++);
}

/* Is the worker `owner` a process of this host (and PID namespace) that no
 * longer runs? */
static int worker_dead(const durable_rt *rt, const char *owner)
{
    char host[96], mine[96];
    long pid;
    unsigned long long start;
    if (sscanf(owner, "%95[^:]:%ld:%llu", host, &pid, &start) != 3 ||
        sscanf(rt->owner, "%95[^:]", mine) != 1 || strcmp(host, mine) != 0)
        return 0; /* another host or namespace: only its lease can tell */
    size_t len = strlen(mine);
    if (len >= 2 && strcmp(mine + len - 2, ".0") == 0)
        return 0; /* this process cannot name its namespace: /proc is no proof */
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
