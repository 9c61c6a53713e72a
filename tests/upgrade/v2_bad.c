/* Build 2 of onboard, incompatible with frames of build 1: `level` is live
 * across the wait for "approve", and build 1's frame has no such local. */
#include <durable.h>

static int fetch_score(int user)
{
    return user * 3;
}

durable int onboard(int user)
{
    int level = user % 3;
    int score = await(fetch_score(user));
    int ok = await(durable_wait_signal("approve", -1));
    return user * 100 + score * 10 + ok + level * 10000;
}

#include "host.h"

int main(int argc, char **argv)
{
    return host_main(argc, argv, onboard(7));
}
