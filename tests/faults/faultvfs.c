/*
 * faultvfs.c — the fault-injecting VFS of faultvfs.h.
 *
 * Each file opened through it is a small wrapper (struct fault_file) followed
 * in the same allocation by the real file of the wrapped VFS; every method
 * forwards to the real one, and the three that move data (xRead, xWrite,
 * xSync) first ask should_fail() whether this operation is the one to fail.
 * It wraps "unix", whose files have version-3 methods (shared memory for WAL,
 * mmap); mmap is declined so that every read goes through xRead.
 *
 * What it does not model: torn writes and lost unsynced data after a power
 * cut (the runtime's crash tests kill the process instead), or errors from
 * xShmMap, xLock and xTruncate.
 */
#include "faultvfs.h"

#include <sqlite3.h>
#include <string.h>

struct fault_file {
    sqlite3_file base;
    sqlite3_file *real; /* points just past this struct */
};

static sqlite3_vfs *real_vfs;
static sqlite3_vfs fault_vfs;

static enum faultvfs_kind armed;
static long arm_at;           /* the Nth operation, or the byte budget for FAULT_FULL */
static int arm_persistent;
static long seen;             /* operations of the armed kind since arming */
static sqlite3_int64 written; /* bytes written since arming (FAULT_FULL) */
static long fired;

/* Count one operation of `kind` (and `bytes` for a write); 1 if it fails. */
static int should_fail(enum faultvfs_kind kind, int bytes)
{
    if (armed == FAULT_NONE)
        return 0;
    if (armed == FAULT_FULL) {
        if (kind != FAULT_WRITE || (fired && !arm_persistent))
            return 0; /* a transient "full" frees space again after one failure */
        if (fired || written + bytes > arm_at) {
            fired++;
            return 1;
        }
        written += bytes;
        return 0;
    }
    if (kind != armed)
        return 0;
    seen++;
    if (seen == arm_at || (arm_persistent && seen > arm_at)) {
        fired++;
        return 1;
    }
    return 0;
}

/* ---- file methods: forward, failing on request ---- */

#define REAL(f) (((struct fault_file *)(f))->real)

static int ff_close(sqlite3_file *f)
{
    return REAL(f)->pMethods->xClose(REAL(f));
}

static int ff_read(sqlite3_file *f, void *buf, int amt, sqlite3_int64 off)
{
    if (should_fail(FAULT_READ, amt))
        return SQLITE_IOERR_READ;
    return REAL(f)->pMethods->xRead(REAL(f), buf, amt, off);
}

static int ff_write(sqlite3_file *f, const void *buf, int amt, sqlite3_int64 off)
{
    if (should_fail(FAULT_WRITE, amt))
        return armed == FAULT_FULL ? SQLITE_FULL : SQLITE_IOERR_WRITE;
    return REAL(f)->pMethods->xWrite(REAL(f), buf, amt, off);
}

static int ff_truncate(sqlite3_file *f, sqlite3_int64 size)
{
    return REAL(f)->pMethods->xTruncate(REAL(f), size);
}

static int ff_sync(sqlite3_file *f, int flags)
{
    if (should_fail(FAULT_SYNC, 0))
        return SQLITE_IOERR_FSYNC;
    return REAL(f)->pMethods->xSync(REAL(f), flags);
}

static int ff_file_size(sqlite3_file *f, sqlite3_int64 *size)
{
    return REAL(f)->pMethods->xFileSize(REAL(f), size);
}

static int ff_lock(sqlite3_file *f, int level)
{
    return REAL(f)->pMethods->xLock(REAL(f), level);
}

static int ff_unlock(sqlite3_file *f, int level)
{
    return REAL(f)->pMethods->xUnlock(REAL(f), level);
}

static int ff_check_reserved(sqlite3_file *f, int *out)
{
    return REAL(f)->pMethods->xCheckReservedLock(REAL(f), out);
}

static int ff_file_control(sqlite3_file *f, int op, void *arg)
{
    return REAL(f)->pMethods->xFileControl(REAL(f), op, arg);
}

static int ff_sector_size(sqlite3_file *f)
{
    return REAL(f)->pMethods->xSectorSize(REAL(f));
}

static int ff_device_characteristics(sqlite3_file *f)
{
    return REAL(f)->pMethods->xDeviceCharacteristics(REAL(f));
}

static int ff_shm_map(sqlite3_file *f, int region, int size, int extend, void volatile **pp)
{
    return REAL(f)->pMethods->xShmMap(REAL(f), region, size, extend, pp);
}

static int ff_shm_lock(sqlite3_file *f, int offset, int n, int flags)
{
    return REAL(f)->pMethods->xShmLock(REAL(f), offset, n, flags);
}

static void ff_shm_barrier(sqlite3_file *f)
{
    REAL(f)->pMethods->xShmBarrier(REAL(f));
}

static int ff_shm_unmap(sqlite3_file *f, int delete_flag)
{
    return REAL(f)->pMethods->xShmUnmap(REAL(f), delete_flag);
}

/* Memory-mapped reads would bypass xRead, and so a read fault: decline them
 * (SQLite then reads through xRead), which is always allowed. */
static int ff_fetch(sqlite3_file *f, sqlite3_int64 off, int amt, void **pp)
{
    (void)f;
    (void)off;
    (void)amt;
    *pp = NULL;
    return SQLITE_OK;
}

static int ff_unfetch(sqlite3_file *f, sqlite3_int64 off, void *p)
{
    (void)f;
    (void)off;
    (void)p;
    return SQLITE_OK;
}

static const sqlite3_io_methods ff_methods = {
    3,
    ff_close,
    ff_read,
    ff_write,
    ff_truncate,
    ff_sync,
    ff_file_size,
    ff_lock,
    ff_unlock,
    ff_check_reserved,
    ff_file_control,
    ff_sector_size,
    ff_device_characteristics,
    ff_shm_map,
    ff_shm_lock,
    ff_shm_barrier,
    ff_shm_unmap,
    ff_fetch,
    ff_unfetch,
};

/* ---- VFS methods: open wraps, the rest forwards ---- */

static int fv_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *file, int flags, int *out_flags)
{
    (void)vfs;
    struct fault_file *ff = (struct fault_file *)file;
    ff->real = (sqlite3_file *)(ff + 1);
    memset(ff->real, 0, (size_t)real_vfs->szOsFile);
    int rc = real_vfs->xOpen(real_vfs, name, ff->real, flags, out_flags);
    /* SQLite calls xClose only on files whose pMethods is set */
    ff->base.pMethods = ff->real->pMethods ? &ff_methods : NULL;
    return rc;
}

static int fv_delete(sqlite3_vfs *vfs, const char *name, int sync_dir)
{
    (void)vfs;
    return real_vfs->xDelete(real_vfs, name, sync_dir);
}

static int fv_access(sqlite3_vfs *vfs, const char *name, int flags, int *out)
{
    (void)vfs;
    return real_vfs->xAccess(real_vfs, name, flags, out);
}

static int fv_full_pathname(sqlite3_vfs *vfs, const char *name, int n, char *out)
{
    (void)vfs;
    return real_vfs->xFullPathname(real_vfs, name, n, out);
}

static void *fv_dl_open(sqlite3_vfs *vfs, const char *path)
{
    (void)vfs;
    return real_vfs->xDlOpen(real_vfs, path);
}

static void fv_dl_error(sqlite3_vfs *vfs, int n, char *msg)
{
    (void)vfs;
    real_vfs->xDlError(real_vfs, n, msg);
}

static void (*fv_dl_sym(sqlite3_vfs *vfs, void *h, const char *sym))(void)
{
    (void)vfs;
    return real_vfs->xDlSym(real_vfs, h, sym);
}

static void fv_dl_close(sqlite3_vfs *vfs, void *h)
{
    (void)vfs;
    real_vfs->xDlClose(real_vfs, h);
}

static int fv_randomness(sqlite3_vfs *vfs, int n, char *out)
{
    (void)vfs;
    return real_vfs->xRandomness(real_vfs, n, out);
}

static int fv_sleep(sqlite3_vfs *vfs, int us)
{
    (void)vfs;
    return real_vfs->xSleep(real_vfs, us);
}

static int fv_current_time(sqlite3_vfs *vfs, double *out)
{
    (void)vfs;
    return real_vfs->xCurrentTime(real_vfs, out);
}

static int fv_get_last_error(sqlite3_vfs *vfs, int n, char *out)
{
    (void)vfs;
    return real_vfs->xGetLastError(real_vfs, n, out);
}

static int fv_current_time_int64(sqlite3_vfs *vfs, sqlite3_int64 *out)
{
    (void)vfs;
    return real_vfs->xCurrentTimeInt64(real_vfs, out);
}

int faultvfs_install(void)
{
    if (real_vfs)
        return SQLITE_OK;
    int rc = sqlite3_initialize();
    if (rc != SQLITE_OK)
        return rc;
    sqlite3_vfs *base = sqlite3_vfs_find("unix");
    if (!base || base->iVersion < 2)
        return SQLITE_ERROR;
    real_vfs = base;
    fault_vfs.iVersion = 2;
    fault_vfs.szOsFile = (int)sizeof(struct fault_file) + base->szOsFile;
    fault_vfs.mxPathname = base->mxPathname;
    fault_vfs.zName = "faultvfs";
    fault_vfs.xOpen = fv_open;
    fault_vfs.xDelete = fv_delete;
    fault_vfs.xAccess = fv_access;
    fault_vfs.xFullPathname = fv_full_pathname;
    fault_vfs.xDlOpen = fv_dl_open;
    fault_vfs.xDlError = fv_dl_error;
    fault_vfs.xDlSym = fv_dl_sym;
    fault_vfs.xDlClose = fv_dl_close;
    fault_vfs.xRandomness = fv_randomness;
    fault_vfs.xSleep = fv_sleep;
    fault_vfs.xCurrentTime = fv_current_time;
    fault_vfs.xGetLastError = fv_get_last_error;
    fault_vfs.xCurrentTimeInt64 = fv_current_time_int64;
    rc = sqlite3_vfs_register(&fault_vfs, 1);
    if (rc != SQLITE_OK)
        real_vfs = NULL;
    return rc;
}

void faultvfs_arm(enum faultvfs_kind kind, long n, int persistent)
{
    armed = kind;
    arm_at = n;
    arm_persistent = persistent;
    seen = 0;
    written = 0;
    fired = 0;
}

long faultvfs_clear(void)
{
    long n = fired;
    faultvfs_arm(FAULT_NONE, 0, 0);
    return n;
}

long faultvfs_fired(void)
{
    return fired;
}

const char *faultvfs_name(enum faultvfs_kind kind)
{
    switch (kind) {
    case FAULT_WRITE: return "write";
    case FAULT_SYNC: return "fsync";
    case FAULT_READ: return "read";
    case FAULT_FULL: return "full";
    default: return "none";
    }
}
