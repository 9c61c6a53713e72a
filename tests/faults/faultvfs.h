/*
 * faultvfs.h — an SQLite VFS for tests that fails I/O on request.
 *
 * faultvfs_install() registers a VFS named "faultvfs" that wraps the default
 * one ("unix") and makes it the default, so every connection opened after
 * it — libdurable's included, with no change to the runtime — goes through
 * it.  With nothing armed it only counts operations.  Armed, it fails the
 * Nth write, sync or read from the moment of arming with the error a real
 * disk would give (SQLITE_IOERR_WRITE, SQLITE_IOERR_FSYNC, SQLITE_IOERR_READ),
 * or reports the disk full (SQLITE_FULL) once N bytes have been written.
 *
 * A persistent fault keeps failing every later operation of its kind, like a
 * dead disk, until faultvfs_clear(); a transient one fails once.  This
 * follows SQLite's own test VFS (src/test6.c, test_vfs.c) in spirit only.
 *
 * Not thread-safe and process-global: one test process, one thread.
 */
#ifndef TEST_FAULTVFS_H
#define TEST_FAULTVFS_H

enum faultvfs_kind {
    FAULT_NONE = 0,
    FAULT_WRITE, /* the Nth xWrite fails with SQLITE_IOERR_WRITE */
    FAULT_SYNC,  /* the Nth xSync fails with SQLITE_IOERR_FSYNC */
    FAULT_READ,  /* the Nth xRead fails with SQLITE_IOERR_READ */
    FAULT_FULL   /* a write that would pass N bytes in all fails with SQLITE_FULL */
};

/* Register the VFS as the default.  Returns 0, or an SQLite error code. */
int faultvfs_install(void);

/* Arm a fault of `kind` at operation (or byte count) `n`, counted from now;
 * `persistent` keeps it failing afterwards.  Replaces any armed fault. */
void faultvfs_arm(enum faultvfs_kind kind, long n, int persistent);

/* Disarm.  Returns how many operations failed since the last arm. */
long faultvfs_clear(void);

/* How many operations failed since the last arm (0 if the fault never hit). */
long faultvfs_fired(void);

/* The name of a kind, for messages: "write", "fsync", "read", "full". */
const char *faultvfs_name(enum faultvfs_kind kind);

#endif
