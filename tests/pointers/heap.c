/* pointers: a char * to the heap is saved by content and comes back after a
 * restart as a malloc'd copy the program owns: it writes it and frees it, as
 * in plain C (docs/semantics.md G17); in a running process it is the same
 * pointer. */
#include "e2e.h"

static int step(int x)
{
    effect("step %d", x);
    return x;
}

static char *make(const char *s)
{
    effect("make %s", s);
    char *p = malloc(strlen(s) + 1);
    strcpy(p, s);
    return p;
}

/* issue 9: malloc, await, free.  After a restart the copy holds the text
 * (strlen + 1 bytes), so the program writes within it. */
durable int heap_string(void)
{
    char *s = malloc(32);
    strcpy(s, "xx");
    await(step(1));
    s[0] = 'y';
    s[1] = 'z';
    await(durable_sleep(0.01));
    int r = s[0] * 1000 + s[1];
    free(s);
    return r;
}

/* a step that returns a heap string: the program owns the value */
durable int step_string(void)
{
    char *s = await(make("made"));
    await(step(2));
    s[0] = 'M';
    int r = s[0] * 1000 + (int)strlen(s);
    free(s);
    return r;
}

struct person {
    char *name;
    const char *role;
    int age;
};

/* char * members of structs, heap and literal */
durable int members(void)
{
    struct person p = {NULL, "admin", 40};
    p.name = malloc(16);
    strcpy(p.name, "ada");
    await(step(3));
    p.name[0] = 'A';
    p.age++;
    await(durable_sleep(0.01));
    int r = p.name[0] * 1000 + (int)strlen(p.role) * 100 + p.age;
    free(p.name);
    return r;
}

struct team {
    struct person lead;
    const char *names[2];
};

/* pointers in nested structs and in an array of structs */
durable int teams(void)
{
    struct team t[2] = {{{NULL, "lead", 1}, {"x", "y"}}, {{NULL, "second", 2}, {"zz", NULL}}};
    t[0].lead.name = malloc(4);
    strcpy(t[0].lead.name, "bo");
    const char **cursor = &t[1].names[0];
    await(step(20));
    await(durable_sleep(0.01));
    t[0].lead.name[1] = 'B';
    int r = t[0].lead.name[1] * 1000 + (int)strlen(t[1].lead.role) * 100 + (int)strlen(*cursor) * 10 +
            (t[1].names[1] == NULL) + (int)strlen(t[0].names[1]);
    free(t[0].lead.name);
    return r;
}

/* an array of heap strings, each freed after the awaits */
durable int string_array(void)
{
    char *parts[3];
    for (int i = 0; i < 3; i++) {
        parts[i] = malloc(8);
        snprintf(parts[i], 8, "p%d", i);
    }
    int total = 0;
    for (int i = 0; i < 3; i++) {
        await(step(10 + i));
        parts[i][0] = 'q';
        total += parts[i][0] + parts[i][1];
    }
    for (int i = 0; i < 3; i++)
        free(parts[i]);
    return total;
}

int main(void)
{
    E2E_RT rt;
    E2E_OPEN(rt);
    durable_start(rt, "heap_string", heap_string());
    durable_start(rt, "step_string", step_string());
    durable_start(rt, "members", members());
    durable_start(rt, "string_array", string_array());
    durable_start(rt, "teams", teams());
    E2E_RUN(rt);
    E2E_PRINT(rt, "heap_string");
    E2E_PRINT(rt, "step_string");
    E2E_PRINT(rt, "members");
    E2E_PRINT(rt, "string_array");
    E2E_PRINT(rt, "teams");
    durable_close(rt);
    return 0;
}
