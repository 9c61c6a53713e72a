/*
 * transfer — exactly-once local effects: a step writes to the program's own
 * tables through durable_sqlite(), inside the transaction that records the
 * step, so a transfer happens once however often the process is killed.
 * The balances must always sum to 3000 and the ledger hold one row per
 * transfer.
 */
#include "feature.h"

#include <sqlite3.h>

static int move(int i, int from, int to, int cents)
{
    sqlite3 *db = durable_sqlite();
    if (!db) {
        durable_fail_permanent(1, "no transaction");
        return 0;
    }
    char sql[256];
    snprintf(sql, sizeof sql,
             "UPDATE accounts SET cents = cents - %d WHERE id = %d;"
             "UPDATE accounts SET cents = cents + %d WHERE id = %d;"
             "INSERT INTO ledger(n, src, dst, cents) VALUES (%d, %d, %d, %d);",
             cents, from, cents, to, i, from, to, cents);
    if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK) {
        durable_fail(2, sqlite3_errmsg(db));
        return 0;
    }
    return 1;
}

durable int transfers(int n)
{
    int done = 0;
    for (int i = 0; i < n; i++)
        done += await(move(i, i % 3, (i + 1) % 3, 10 + i));
    return done;
}

static long one_number(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st;
    long v = -1;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

int main(int argc, char **argv)
{
    durable_rt *rt = open_test_db(NULL);
    if (argc > 1 && strcmp(argv[1], "setup") == 0) {
        /* the program's own tables, in the same file */
        sqlite3 *db;
        if (sqlite3_open(getenv("DURABLE_TEST_DB"), &db) != SQLITE_OK ||
            sqlite3_exec(db,
                         "CREATE TABLE accounts(id INTEGER PRIMARY KEY, cents INTEGER NOT NULL);"
                         "INSERT INTO accounts VALUES (0, 1000), (1, 1000), (2, 1000);"
                         "CREATE TABLE ledger(n INTEGER PRIMARY KEY, src, dst, cents);",
                         NULL, NULL, NULL) != SQLITE_OK)
            return 1;
        sqlite3_close(db);
        MUST(durable_start(rt, "t", transfers(25)));
        MUST(durable_close(rt));
        return 0;
    }
    run_all(rt);
    print_outcome(rt, "t");
    sqlite3 *db;
    if (sqlite3_open(getenv("DURABLE_TEST_DB"), &db) != SQLITE_OK)
        return 1;
    printf("sum %ld, ledger rows %ld, account 0: %ld\n", one_number(db, "SELECT sum(cents) FROM accounts"),
           one_number(db, "SELECT count(*) FROM ledger"), one_number(db, "SELECT cents FROM accounts WHERE id = 0"));
    sqlite3_close(db);
    MUST(durable_close(rt));
    return 0;
}
