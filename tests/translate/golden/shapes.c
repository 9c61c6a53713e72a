/* Golden: the shapes lowering gives awaits in conditions and operators. */
#include <durable.h>

int poll(int id);
int fetch(int id, int part);
durable int child(int x);

durable int shapes(int id)
{
    int got = 0;
    while (await(poll(id)) == 0)
        await(durable_sleep(1.0));
    if (id > 0 && await(child(id)) > 1)
        got += await(fetch(id, 1)) + await(fetch(id, 2));
    int part = got > 10 ? await(fetch(id, 3)) : 0;
    if (durable_error())
        return -2;
    for (int i = 0; i < await(poll(i)); i++) {
        if (i == part)
            continue;
        got += i;
    }
    return got;
}
