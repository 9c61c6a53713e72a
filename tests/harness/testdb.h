/* testdb.h — remove a database file and its WAL companions. */
#ifndef TEST_TESTDB_H
#define TEST_TESTDB_H
#include <stdio.h>
#include <unistd.h>

static inline void testdb_remove(const char *path)
{
    static const char *const sfx[] = {"", "-wal", "-shm", "-journal"};
    char p[1024];
    for (size_t i = 0; i < sizeof sfx / sizeof *sfx; i++) {
        snprintf(p, sizeof p, "%s%s", path, sfx[i]);
        unlink(p);
    }
}
#endif
