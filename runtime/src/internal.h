/*
 * internal.h — what the runtime's modules share and nothing else: growable
 * buffers, string arenas, the registry, the frame codec and the fault knob.
 * The store interface has its own header (store.h); the scheduler's structures
 * stay private to sched.c.  Internal names carry the durable__ prefix.
 */
#ifndef DURABLE_INTERNAL_H
#define DURABLE_INTERNAL_H

#include "durable.h"
/* The runtime defines these two: not the plain-C view of durable calls. */
#undef durable_start
#undef durable_spawn

#include <stdint.h>
#include <stdlib.h>

/* ---- allocation (alloc.c) ----
 * malloc, calloc, realloc and strdup with the test's failure knob
 * (durable__test_fail_alloc in durable.h); release with free(). */
void *durable__malloc(size_t n);
void *durable__calloc(size_t n, size_t size);
void *durable__realloc(void *p, size_t n);
char *durable__strdup(const char *s);

/* A growable byte buffer.  Zero-initialised is empty; free with buf_free. */
typedef struct durable__buf {
    unsigned char *p;
    size_t n, cap;
} durable__buf;

int durable__buf_put(durable__buf *b, const void *p, size_t n); /* DURABLE_OK / ENOMEM */
void durable__buf_free(durable__buf *b);

/* An arena of strings decoded from a blob: freed all at once. */
typedef struct durable__arena {
    struct durable__chunk *head;
} durable__arena;

char *durable__arena_strndup(durable__arena *a, const char *s, size_t n);
void durable__arena_free(durable__arena *a);
/* Is p one of a's strings? */
int durable__arena_has(const durable__arena *a, const void *p);
/* Move every string of src into dst (src becomes empty). */
void durable__arena_merge(durable__arena *dst, durable__arena *src);

/* ---- registry (registry.c) ---- */
durable_func *durable__registry_first(void);
durable_func *durable__registry_find(const char *name);
int durable__registry_has(const durable_func *fn);
/* DURABLE_EDUPFUNC if two registered functions share a name, else OK. */
int durable__registry_check(void);
uint64_t durable__fingerprint(const durable_func *fn);
/* An await's saved fields as text, "0,2,3" (malloc'd; "" for none). */
char *durable__saves_text(const durable_await *a);

/* ---- codec (codec.c) ----
 * A value blob: 'D' 'F', version, flags, u32 LE field count, then each field's
 * elements in descriptor order: fixed-size kinds as their bytes, strings as
 * u32 LE length (0xFFFFFFFF for NULL) and that many bytes.  docs/storage.md
 * has the byte table. */
#define DURABLE__CODEC_VERSION 2
int durable__encode(const durable_field *fields, uint32_t n, const void *base, durable__buf *out);

/* Where pointers are saved against and restored to (docs/storage.md):
 * encoding, a pointer into [frame, frame + frame_size] is saved as an offset
 * (NULL px or frame: none is); decoding, an offset is taken from the block
 * decoded into.  `own`: a char * saved by content comes back as a
 * malloc'd copy the program owns, not an arena string.  `lax` (durable show):
 * a symbol this program lacks decodes to a label "name+off" in `labels`
 * instead of failing.  On DURABLE_EPOINTER `what` names the element or the
 * missing symbol. */
typedef struct durable__ptrs {
    const unsigned char *frame;
    uint32_t frame_size;
    int own, lax;
    durable__arena labels;
    char what[160];
    durable__buf owned; /* decoding with `own`: the copies made (to free if it fails) */
    const durable__arena *args; /* the coroutine's argument strings, or NULL */
} durable__ptrs;
/* After a decode with px->own: on failure free the copies it made; forget
 * the list either way. */
void durable__ptrs_done(durable__ptrs *px, int failed);
int durable__encode_in(const durable_field *fields, uint32_t n, const void *base, durable__buf *out,
                       durable__ptrs *px);
int durable__decode_in(const durable_field *fields, uint32_t n, const unsigned char *p, size_t len,
                       void *base, durable__arena *strings, durable__ptrs *px);
/* Decode into base (strings into `strings`).  DURABLE_ECORRUPT on any
 * malformed input, leaving base partly written (callers decode into scratch). */
int durable__decode(const durable_field *fields, uint32_t n, const unsigned char *p, size_t len,
                    void *base, durable__arena *strings);
/* Check that the descriptors are self-consistent (sizes, offsets, kinds)
 * against a struct of `total` bytes. */
int durable__fields_valid(const durable_field *fields, uint32_t n, uint32_t total);
/* The largest frame or argument struct a file may describe: SQLite's default
 * limit on a blob (SQLITE_MAX_LENGTH), so no file we wrote holds a larger one
 * and a damaged schema row cannot make a reader allocate gigabytes. */
#define DURABLE__MAX_STRUCT 1000000000u

/* ---- fault injection (fault.c) ----
 * DURABLE_CRASH=before:N or after:N makes the process SIGKILL itself just
 * before or just after its Nth commit (counted per process, from 1). */
enum { DURABLE__BEFORE_COMMIT = 0, DURABLE__AFTER_COMMIT = 1 };
void durable__fault_commit(int phase);

int64_t durable__realtime_ms(void);

/* errors.c: set what durable_open_error() returns on this thread. */
void durable__set_open_error(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

#endif
