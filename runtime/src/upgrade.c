/*
 * upgrade.c — resume a frame that an older build of a function wrote.
 *
 * A replay-based system makes users guard every code change with version
 * checks.  Here a frame is data with a schema, so a newer build can take it
 * over when the place it waits at and the locals it needs still exist:
 *
 *   1. The await is found by identity, not by number: its callee and its
 *      occurrence among the awaits of that callee (the 2nd durable_sleep),
 *      with the same kind and the same value type.  Adding, removing or
 *      reordering other awaits, or editing unrelated code, keeps it.
 *   2. Every local the new code restores at that await (its `saves`) must be
 *      in the old frame under the same name and C type, and must have been
 *      saved by the old await too (a value merely left in the frame from an
 *      earlier await is not trusted).  The arguments map the same way.
 *
 * Then the old frame is decoded with the old schema (read from the file), the
 * mapped fields are copied into a frame of the new layout, and both frame and
 * arguments are re-encoded.  Anything else is refused with the reason; the
 * workflow is then held, never resumed blindly (I6 of sched.c).
 *
 * Not for: changing the meaning of a local while keeping its name and type.
 * That stays the programmer's promise, as it is in every system that
 * upgrades running work.
 */
#include "store.h"

#include <stdio.h>
#include <string.h>

static int same_type(const durable_field *a, const durable_field *b)
{
    return a->kind == b->kind && a->size == b->size && a->count == b->count && a->type && b->type &&
           strcmp(a->type, b->type) == 0;
}

static int occurrence_of(const durable_func *fn, uint32_t i)
{
    int n = 0;
    for (uint32_t k = 0; k < i; k++)
        n += strcmp(fn->awaits[k].callee, fn->awaits[i].callee) == 0;
    return n;
}

static int in_list(const uint32_t *v, uint32_t n, uint32_t x)
{
    for (uint32_t i = 0; i < n; i++)
        if (v[i] == x)
            return 1;
    return 0;
}

/* The new await that is old await `oa`, or NULL. */
static const durable_await *match_await(const durable_func *fn, const durable__schema_await *oa)
{
    for (uint32_t i = 0; i < fn->nawaits; i++) {
        const durable_await *na = &fn->awaits[i];
        if (na->kind != oa->kind || strcmp(na->callee, oa->callee) != 0 || occurrence_of(fn, i) != oa->occurrence)
            continue;
        int old_void = oa->value.size == 0, new_void = na->value == NULL;
        if (old_void != new_void || (!new_void && !same_type(na->value, &oa->value)))
            return NULL; /* the same await, but its value changed type */
        return na;
    }
    return NULL;
}

/* Copy the fields of `want` (indices into nf, or all when want is NULL)
 * from an old struct to a new one, matched by name and type among the old
 * fields allowed by `allowed` (or all).  Fills why on a missing one. */
static int map_fields(const durable_field *of, uint32_t nof, const uint32_t *allowed, uint32_t nallowed,
                      int check_allowed, const durable_field *nf, const uint32_t *want, uint32_t nwant,
                      uint32_t nnf, const unsigned char *old, unsigned char *neu, const char *what, char *why,
                      size_t whylen)
{
    uint32_t n = want ? nwant : nnf;
    for (uint32_t w = 0; w < n; w++) {
        const durable_field *f = &nf[want ? want[w] : w];
        uint32_t j = 0;
        while (j < nof && !(strcmp(of[j].name, f->name) == 0 && same_type(&of[j], f) &&
                            (!check_allowed || in_list(allowed, nallowed, j))))
            j++;
        if (j == nof) {
            snprintf(why, whylen, "%s '%s' (%s) is not in the frame the old build saved", what, f->name, f->type);
            return DURABLE_EINCOMPAT;
        }
        memcpy(neu + f->offset, old + of[j].offset, f->size);
    }
    return DURABLE_OK;
}

/* Re-encode blob `in` (laid out as `of`) for the new layout. */
static int remap(const durable_field *of, uint32_t nof, uint32_t old_size, const uint32_t *allowed,
                 uint32_t nallowed, int check_allowed, const durable_field *nf, uint32_t nnf, uint32_t new_size,
                 const uint32_t *want, uint32_t nwant, const durable__buf *in, durable__buf *out, const char *what,
                 char *why, size_t whylen)
{
    unsigned char *old = durable__calloc(1, old_size ? old_size : 1), *neu = durable__calloc(1, new_size ? new_size : 1);
    durable__arena strings = {0};
    int rc = old && neu ? DURABLE_OK : DURABLE_ENOMEM;
    if (rc == DURABLE_OK && in->p && in->n)
        rc = durable__decode(of, nof, in->p, in->n, old, &strings);
    if (rc == DURABLE_OK)
        rc = map_fields(of, nof, allowed, nallowed, check_allowed, nf, want, nwant, nnf, old, neu, what, why,
                        whylen);
    if (rc == DURABLE_OK)
        rc = durable__encode(nf, nnf, neu, out);
    durable__arena_free(&strings);
    free(old);
    free(neu);
    return rc;
}

int durable__upgrade(durable__store *s, durable__row *r, const durable_func *fn, char *why, size_t whylen)
{
    durable__schema old;
    int rc = s->ops->schema(s, r->fingerprint, &old);
    if (rc == DURABLE_ENOENT) {
        snprintf(why, whylen, "the schema the frame was written with (%016llx) is not in the file",
                 (unsigned long long)r->fingerprint);
        return DURABLE_EINCOMPAT;
    }
    if (rc != DURABLE_OK)
        return rc;
    durable__buf args = {0}, frame = {0};
    const durable_await *na = NULL;
    if (r->state > 0) {
        const durable__schema_await *oa = NULL;
        for (uint32_t i = 0; i < old.nawaits; i++)
            if (old.awaits[i].id == r->state)
                oa = &old.awaits[i];
        if (oa)
            na = match_await(fn, oa);
        if (!na) {
            snprintf(why, whylen, "await %d (%s #%d) of the old build has no counterpart in this one", r->state,
                     oa ? oa->callee : "?", oa ? oa->occurrence + 1 : 0);
            rc = DURABLE_EINCOMPAT;
        }
        if (rc == DURABLE_OK)
            rc = remap(old.fields, old.nfields, old.frame_size, oa->saves, oa->nsaves, 1, fn->fields, fn->nfields,
                       fn->frame_size, na->saves, na->nsaves, &r->frame, &frame, "local", why, whylen);
    }
    if (rc == DURABLE_OK)
        rc = remap(old.params, old.nparams, old.args_size, NULL, 0, 0, fn->params, fn->nparams, fn->args_size, NULL,
                   0, &r->args, &args, "parameter", why, whylen);
    if (rc == DURABLE_OK) { /* take it over: the row now belongs to this build */
        uint64_t from = r->fingerprint;
        int from_state = r->state;
        r->fingerprint = fn->fingerprint;
        if (na)
            r->state = na->id;
        durable__buf_free(&r->args);
        r->args = args;
        args.p = NULL;
        if (r->state > 0) {
            durable__buf_free(&r->frame);
            r->frame = frame;
            frame.p = NULL;
        }
        rc = s->ops->put_schema(s, fn);
        if (rc == DURABLE_OK)
            rc = s->ops->update(s, r, DURABLE__W_FRAME);
        if (rc == DURABLE_OK)
            rc = s->ops->set_args(s, r->id, &r->args);
        snprintf(why, whylen, "upgraded from schema %016llx (await %d) to %016llx (await %d)",
                 (unsigned long long)from, from_state, (unsigned long long)r->fingerprint, r->state);
    }
    durable__buf_free(&args);
    durable__buf_free(&frame);
    durable__schema_free(&old);
    return rc;
}
