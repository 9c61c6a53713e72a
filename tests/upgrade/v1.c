/* Build 1 of onboard: fetch a score, wait for approval. */
#include <durable.h>

static int fetch_score(int user)
{
    return user * 3;
}

durable int onboard(int user)
{
    int score = await(fetch_score(user));
    int ok = await(durable_wait_signal("approve", -1));
    return user * 100 + score * 10 + ok;
}

#include "host.h"

int main(int argc, char **argv)
{
    return host_main(argc, argv, onboard(7));
}
