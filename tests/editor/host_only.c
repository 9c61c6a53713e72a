/*
 * host_only.c — host code alone: it starts a durable function declared in
 * a header and defined elsewhere, with no await in this file.  A plain C
 * build must still refuse it with the message that names dcc.
 */
#include <durable.h>

durable int invoice(int month, int cents); /* the header's prototype */

int main(void)
{
    durable_rt *rt;
    if (durable_open(&rt, "host_only.db", NULL) != DURABLE_OK)
        return 1;
    int rc = durable_start(rt, "acme", invoice(1, 1000));
    durable_close(rt);
    return rc < 0;
}
