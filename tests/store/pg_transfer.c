/*
 * pg_transfer — exactly-once local effects on PostgreSQL: each step moves
 * money between the program's own accounts through durable_pg(), inside
 * the transaction that records the step, so a transfer happens once
 * however often the process is killed (tests/features/transfer.c is the
 * SQLite twin).  Run by crashloop under pg_server.sh:
 *
 *   pg_transfer setup   a fresh schema durable and fresh accounts on the
 *                       server at $DURABLE_PG_URI; start workflow "t"
 *   pg_transfer         run it to the end; print its result, the sum of
 *                       the balances (always 3000) and the ledger's rows
 *
 * crashloop's $DURABLE_TEST_DB (a file) is not used: the server is the store.
 */
#include "../features/feature.h" /* MUST, effect() */

#include <libpq-fe.h>

static int move(int i, int from, int to, int cents)
{
    PGconn *c = (PGconn *)durable_pg();
    if (!c) {
        durable_fail_permanent(1, "no transaction");
        return 0;
    }
    char sql[320];
    snprintf(sql, sizeof sql,
             "UPDATE accounts SET cents = cents - %d WHERE id = %d;"
             "UPDATE accounts SET cents = cents + %d WHERE id = %d;"
             "INSERT INTO ledger(n, src, dst, cents) VALUES (%d, %d, %d, %d)",
             cents, from, cents, to, i, from, to, cents);
    PGresult *r = PQexec(c, sql);
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    if (!ok)
        durable_fail(2, PQresultErrorMessage(r));
    PQclear(r);
    effect("move %d", i);
    return ok;
}

durable int transfers(int n)
{
    int done = 0;
    for (int i = 0; i < n; i++)
        done += await(move(i, i % 3, (i + 1) % 3, 10 + i));
    return done;
}

static long one_number(PGconn *c, const char *sql)
{
    PGresult *r = PQexec(c, sql);
    long v = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1 ? atol(PQgetvalue(r, 0, 0)) : -1;
    PQclear(r);
    return v;
}

int main(int argc, char **argv)
{
    const char *uri = getenv("DURABLE_PG_URI");
    if (!uri) {
        fprintf(stderr, "set DURABLE_PG_URI\n");
        return 2;
    }
    PGconn *c = PQconnectdb(uri);
    if (PQstatus(c) != CONNECTION_OK) {
        fprintf(stderr, "%s", PQerrorMessage(c));
        return 1;
    }
    if (argc > 1 && strcmp(argv[1], "setup") == 0) {
        PGresult *r = PQexec(c, "SET client_min_messages = warning;"
                                "DROP SCHEMA IF EXISTS durable CASCADE; DROP TABLE IF EXISTS accounts, ledger;"
                                "CREATE TABLE accounts(id integer PRIMARY KEY, cents integer NOT NULL);"
                                "INSERT INTO accounts VALUES (0, 1000), (1, 1000), (2, 1000);"
                                "CREATE TABLE ledger(n integer PRIMARY KEY, src integer, dst integer, cents integer)");
        if (PQresultStatus(r) != PGRES_COMMAND_OK) {
            fprintf(stderr, "setup: %s", PQresultErrorMessage(r));
            return 1;
        }
        PQclear(r);
        durable_rt *rt;
        MUST(durable_open(&rt, uri, NULL));
        MUST(durable_start(rt, "t", transfers(25)));
        MUST(durable_close(rt));
        PQfinish(c);
        return 0;
    }
    durable_rt *rt;
    MUST(durable_open(&rt, uri, NULL));
    int n;
    while ((n = durable_run(rt)) > 0)
        MUST(durable_wait(rt, 100));
    MUST(n);
    int v = 0;
    MUST(durable_result(rt, "t", &v));
    printf("t: done %d\n", v);
    printf("sum %ld, ledger rows %ld, account 0: %ld\n", one_number(c, "SELECT sum(cents) FROM accounts"),
           one_number(c, "SELECT count(*) FROM ledger"), one_number(c, "SELECT cents FROM accounts WHERE id = 0"));
    MUST(durable_close(rt));
    PQfinish(c);
    return 0;
}
