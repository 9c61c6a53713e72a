/*
 * make_old.c — make_old FILE: turn a database file into one written before
 * await identity was stored, by dropping the columns added for it
 * (durable_schema_awaits.place and .text, durable_history.fingerprint;
 * docs/storage.md).  For old_file_test.sh.
 */
#include <sqlite3.h>
#include <stdio.h>

int main(int argc, char **argv)
{
    sqlite3 *db;
    if (argc != 2 || sqlite3_open_v2(argv[1], &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
        fprintf(stderr, "usage: make_old FILE (an existing database)\n");
        return 2;
    }
    char *err = NULL;
    int rc = sqlite3_exec(db,
                          "BEGIN;"
                          "ALTER TABLE durable_schema_awaits DROP COLUMN place;"
                          "ALTER TABLE durable_schema_awaits DROP COLUMN text;"
                          "ALTER TABLE durable_history DROP COLUMN fingerprint;"
                          "COMMIT;",
                          NULL, NULL, &err);
    if (rc != SQLITE_OK)
        fprintf(stderr, "make_old: %s\n", err ? err : sqlite3_errstr(rc));
    sqlite3_free(err);
    sqlite3_close(db);
    return rc == SQLITE_OK ? 0 : 1;
}
