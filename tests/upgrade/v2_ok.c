/* Build 2 of onboard, compatible with frames of build 1: a comment moved
 * every line, and an audit step was added after the approval.  At the wait
 * for "approve" this build needs `user` and `score`, which build 1 saved. */
#include <durable.h>

static int fetch_score(int user)
{
    return user * 3;
}

/* Build 2 keeps an audit trail. */
static int audit(int user)
{
    return user % 5;
}

durable int onboard(int user)
{
    int score = await(fetch_score(user));
    int ok = await(durable_wait_signal("approve", -1));
    int audited = await(audit(user));
    return user * 100 + score * 10 + ok + audited * 1000;
}

#include "host.h"

int main(int argc, char **argv)
{
    return host_main(argc, argv, onboard(7));
}
