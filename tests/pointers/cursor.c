/* pointers: pointers into the coroutine's own locals and arguments keep
 * their meaning across awaits (docs/semantics.md G17), straight, after a
 * crash, and under AddressSanitizer. */
#include "e2e.h"

static int step(int x)
{
    effect("step %d", x);
    return x;
}

/* issue 9: a cursor into a local buffer writes the buffer, not a copy */
durable int cursor(void)
{
    char buf[16] = "hello";
    char *p = buf + 1;
    await(step(1));
    p[0] = 'A';
    await(durable_sleep(0.01)); /* the frame leaves the ready queue */
    p[1] = 'B';
    return buf[1] * 1000 + buf[2];
}

/* &x of an int, then the int is written through it */
durable int address_of(int n)
{
    int x = n;
    int *px = &x;
    await(step(2));
    *px += 5;
    await(durable_sleep(0.01));
    *px *= 2;
    return x;
}

/* &arr[i], walking an int array across awaits */
durable int walk(void)
{
    int items[5] = {1, 2, 3, 4, 5};
    int total = 0;
    for (int *it = &items[0]; it < items + 5; it++) {
        *it *= 10;
        await(step(*it));
        total += *it;
    }
    return total + items[4];
}

struct pt {
    int x, y;
};

/* a struct pointer, a pointer to a member, a pointer to a pointer */
durable int structs(void)
{
    struct pt a = {3, 4};
    struct pt *pa = &a;
    int *py = &a.y;
    int **ppy = &py;
    await(step(3));
    pa->x += 1;
    **ppy += 10;
    await(durable_sleep(0.01));
    return pa->x * 100 + a.y + (*ppy == &a.y);
}

/* a pointer into an argument */
durable int into_argument(int n)
{
    int *pn = &n;
    await(step(4));
    *pn += 1;
    await(step(5));
    return n;
}

/* issue 9: p - s between const char * locals into one buffer */
durable int difference(void)
{
    char text[32] = "durable pointers";
    const char *s = text;
    const char *p = strchr(s, 'p');
    await(step(6));
    await(durable_sleep(0.01));
    return (int)(p - s) * 100 + (p[0] == 'p') + (s == text);
}

/* a local pointer that points at one of two locals, chosen at run time */
durable int chosen(int which)
{
    double a = 1.5, b = 2.5;
    double *d = which ? &b : &a;
    await(step(7));
    *d *= 2;
    return (int)(a * 10 + b);
}

/* pinned locals in every shape of declaration: several declarators that
 * read each other, a const, a type declared inside the function, a buffer
 * declared again on each iteration */
durable int shapes(void)
{
    int x = 2, *px = &x, y = x + 1;
    const int k = 7;
    const int *pk = &k;
    struct local {
        int a;
        char tag[4];
    } l = {1, "ab"};
    int *pa = &l.a;
    char *pt = l.tag;
    int sum = 0;
    for (int i = 0; i < 3; i++) {
        char line[16];
        snprintf(line, sizeof line, "n%d", i);
        char *c = line + 1;
        await(step(10 + i));
        sum += *c - '0';
    }
    await(durable_sleep(0.01));
    *px += 1;
    *pa += 1;
    pt[0] = 'A';
    return x * 10000 + y * 1000 + *pk * 100 + l.a * 10 + sum + (l.tag[0] == 'A');
}

int main(void)
{
    E2E_RT rt;
    E2E_OPEN(rt);
    durable_start(rt, "cursor", cursor());
    durable_start(rt, "address_of", address_of(1));
    durable_start(rt, "walk", walk());
    durable_start(rt, "structs", structs());
    durable_start(rt, "into_argument", into_argument(41));
    durable_start(rt, "difference", difference());
    durable_start(rt, "chosen", chosen(1));
    durable_start(rt, "shapes", shapes());
    E2E_RUN(rt);
    E2E_PRINT(rt, "cursor");
    E2E_PRINT(rt, "address_of");
    E2E_PRINT(rt, "walk");
    E2E_PRINT(rt, "structs");
    E2E_PRINT(rt, "into_argument");
    E2E_PRINT(rt, "difference");
    E2E_PRINT(rt, "chosen");
    E2E_PRINT(rt, "shapes");
    durable_close(rt);
    return 0;
}
