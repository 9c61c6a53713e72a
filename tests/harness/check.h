/* check.h — assertions for test programs: each prints both values and where,
 * then exits 1.  A test skipped for a reason exits 77 (ctest SKIP). */
#ifndef TEST_CHECK_H
#define TEST_CHECK_H
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK_INT(got, want)                                                                        \
    do {                                                                                            \
        long long g_ = (long long)(got), w_ = (long long)(want);                                    \
        if (g_ != w_) {                                                                             \
            fprintf(stderr, "%s:%d: %s == %lld, expected %s == %lld\n", __FILE__, __LINE__, #got, g_, \
                    #want, w_);                                                                     \
            exit(1);                                                                                \
        }                                                                                           \
    } while (0)

#define CHECK_RC(call, want)                                                                        \
    do {                                                                                            \
        int g_ = (call), w_ = (want);                                                               \
        if (g_ != w_) {                                                                             \
            fprintf(stderr, "%s:%d: %s returned %d (%s), expected %d (%s)\n", __FILE__, __LINE__, #call, \
                    g_, durable_errname(g_), w_, durable_errname(w_));                              \
            exit(1);                                                                                \
        }                                                                                           \
    } while (0)

#define CHECK_OK(call) CHECK_RC(call, DURABLE_OK)

#define CHECK_STR(got, want)                                                                        \
    do {                                                                                            \
        const char *g_ = (got), *w_ = (want);                                                       \
        if (!g_ || strcmp(g_, w_) != 0) {                                                           \
            fprintf(stderr, "%s:%d: %s == \"%s\", expected \"%s\"\n", __FILE__, __LINE__, #got,     \
                    g_ ? g_ : "(null)", w_);                                                        \
            exit(1);                                                                                \
        }                                                                                           \
    } while (0)

#define CHECK(cond)                                                                                 \
    do {                                                                                            \
        if (!(cond)) {                                                                              \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);               \
            exit(1);                                                                                \
        }                                                                                           \
    } while (0)

/* Run the named case of a test program: `prog CASE`. */
struct test_case {
    const char *name;
    void (*fn)(void);
};

static inline int run_case(const struct test_case *cases, int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s CASE\n", argv[0]);
        return 2;
    }
    for (const struct test_case *c = cases; c->name; c++)
        if (strcmp(c->name, argv[1]) == 0) {
            c->fn();
            return 0;
        }
    fprintf(stderr, "%s: no case named %s\n", argv[0], argv[1]);
    return 2;
}
#endif
