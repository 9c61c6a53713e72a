/*
 * upgrade.c — resume a frame that an older build of a function wrote.
 *
 * A replay-based system makes users guard every code change with version
 * checks.  Here a frame is data with a schema, so a newer build can take it
 * over when the place it waits at and the locals it needs still exist:
 *
 *   1. The await is found by identity, not by number (docs/semantics.md,
 *      G11): the old and new awaits are aligned in source order like a diff
 *      (same kind, callee and value type to pair; then as many pairs as
 *      possible; then the most alike by text, place and saved locals), and
 *      the old await resumes at its partner only when every best alignment
 *      gives it the same one, no other await is more like it in text and
 *      place, and no other await moved across it.  Adding or removing other
 *      awaits, moving unrelated lines or renaming unrelated functions keeps
 *      it; any doubt holds.
 *   2. Every local the new code restores at that await (its `saves`) must be
 *      in the old frame under the same name and C type, and must have been
 *      saved by the old await too (a value merely left in the frame from an
 *      earlier await is not trusted).  The arguments map the same way.
 *
 * Then the old frame is decoded with the old schema (read from the file), the
 * mapped fields are copied into a frame of the new layout, and both frame and
 * arguments are re-encoded.  Anything else is refused with the reason; the
 * workflow is then held, never resumed blindly (I6 of scheduler.h).
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

static int in_list(const uint32_t *v, uint32_t n, uint32_t x)
{
    for (uint32_t i = 0; i < n; i++)
        if (v[i] == x)
            return 1;
    return 0;
}

/* Old await o and new await n could be one another: same kind, callee and
 * value type (the marks no edit of a resumable await may change). */
static int same_kind(const durable__schema_await *o, const durable_await *n)
{
    if (n->kind != o->kind || !n->callee || strcmp(n->callee, o->callee) != 0)
        return 0;
    int old_void = o->value.size == 0, new_void = n->value == NULL;
    return old_void == new_void && (new_void || same_type(n->value, &o->value));
}

static int same_text(const char *a, const char *b)
{
    return a && b && *a && *b && strcmp(a, b) == 0; /* "" (a macro wrote it) is unknown */
}

/* Both awaits save the same locals: the same names with the same types. */
static int same_saves(const durable__schema *old, const durable__schema_await *o, const durable_func *fn,
                      const durable_await *n)
{
    if (o->nsaves != n->nsaves)
        return 0;
    for (uint32_t i = 0; i < n->nsaves; i++) {
        const durable_field *f = &fn->fields[n->saves[i]];
        uint32_t k = 0;
        while (k < o->nsaves && !(strcmp(old->fields[o->saves[k]].name, f->name) == 0 &&
                                  same_type(&old->fields[o->saves[k]], f)))
            k++;
        if (k == o->nsaves)
            return 0;
    }
    return 1;
}

/* The marks an await is recognised by beyond its kind: its text and its
 * place (one point each), its saved locals (one more, counted by the order
 * match only: unrelated edits change which locals are live). */
static int marks(const durable__schema_await *o, const durable_await *n)
{
    return same_text(o->text, n->text) + same_text(o->place, n->place);
}

/* Pairing weight: a pair counts above any sum of agreements, so the
 * alignment first keeps as many awaits as it can, then the most alike. */
static int64_t weight(const durable__schema *old, uint32_t i, const durable_func *fn, uint32_t j, int64_t per_pair)
{
    const durable__schema_await *o = &old->awaits[i];
    const durable_await *n = &fn->awaits[j];
    if (!same_kind(o, n))
        return -1;
    return per_pair + marks(o, n) + same_saves(old, o, fn, n);
}

/* Which await of the new build old await number `oi` is, by G11's rule
 * (docs/semantics.md): *found, or NULL with the reason in why when none is,
 * or when there is any doubt.  Returns DURABLE_OK or DURABLE_ENOMEM. */
static int match_await(const durable__schema *old, uint32_t oi, const durable_func *fn, const durable_await **found,
                       char *why, size_t whylen)
{
    const durable__schema_await *o = &old->awaits[oi];
    uint32_t m = old->nawaits, n = fn->nawaits;
    int64_t per_pair = 4 * ((int64_t)m + n + 1);
    size_t w = (size_t)n + 1;
    /* F[i][j]: best alignment of old[0, i) with new[0, j); B[i][j]: of
     * old[i, m) with new[j, n) (longest common subsequence, weighted). */
    int64_t *F = durable__calloc(((size_t)m + 1) * w, sizeof *F);
    int64_t *B = durable__calloc(((size_t)m + 1) * w, sizeof *B), *taken = NULL;
    int rc = DURABLE_OK;
    *found = NULL;
    if (!F || !B) {
        rc = DURABLE_ENOMEM;
        goto out;
    }
    for (uint32_t i = 1; i <= m; i++)
        for (uint32_t j = 1; j <= n; j++) {
            int64_t best = F[(i - 1) * w + j] > F[i * w + j - 1] ? F[(i - 1) * w + j] : F[i * w + j - 1];
            int64_t p = weight(old, i - 1, fn, j - 1, per_pair);
            if (p >= 0 && F[(i - 1) * w + j - 1] + p > best)
                best = F[(i - 1) * w + j - 1] + p;
            F[i * w + j] = best;
        }
    for (uint32_t i = m; i-- > 0;)
        for (uint32_t j = n; j-- > 0;) {
            int64_t best = B[(i + 1) * w + j] > B[i * w + j + 1] ? B[(i + 1) * w + j] : B[i * w + j + 1];
            int64_t p = weight(old, i, fn, j, per_pair);
            if (p >= 0 && B[(i + 1) * w + j + 1] + p > best)
                best = B[(i + 1) * w + j + 1] + p;
            B[i * w + j] = best;
        }
    int64_t total = F[m * w + n];
    int unpaired = 0, npaired = 0, candidates = 0, same_in_old = 0;
    uint32_t paired[2] = {0, 0};
    for (uint32_t j = 0; j <= n; j++)
        if (F[oi * w + j] + B[(oi + 1) * w + j] == total)
            unpaired = 1;
    for (uint32_t j = 0; j < n; j++) {
        int64_t p = weight(old, oi, fn, j, per_pair);
        candidates += p >= 0;
        if (p >= 0 && F[oi * w + j] + p + B[(oi + 1) * w + j + 1] == total && npaired++ < 2)
            paired[npaired - 1] = j;
    }
    for (uint32_t i = 0; i < m; i++)
        same_in_old += old->awaits[i].kind == o->kind && strcmp(old->awaits[i].callee, o->callee) == 0;
    if (npaired == 0) {
        snprintf(why, whylen,
                 "await %d (%s, line %u) of the old build has no counterpart in this one: %s", o->id, o->callee,
                 o->line,
                 candidates ? "the awaits of that callee here are other awaits of the old build (it was removed, "
                              "or moved across others)"
                            : "no await here has that callee, kind and value type");
        goto out;
    }
    const durable_await *na = &fn->awaits[paired[0]];
    if (npaired > 1) {
        snprintf(why, whylen, "await %d (%s, line %u) of the old build could be await %d (line %u) or await %d "
                 "(line %u) of this one: they are alike in callee, text, place, saved locals and order",
                 o->id, o->callee, o->line, na->id, na->line, fn->awaits[paired[1]].id, fn->awaits[paired[1]].line);
        goto out;
    }
    if (unpaired) {
        snprintf(why, whylen, "await %d (%s, line %u) of the old build may be await %d (line %u) of this one, or "
                 "removed: the order of the awaits around it changed", o->id, o->callee, o->line, na->id, na->line);
        goto out;
    }
    for (uint32_t j = 0; j < n; j++) {
        const durable_await *c = &fn->awaits[j];
        if (j != paired[0] && same_kind(o, c) && marks(o, c) > marks(o, na)) {
            snprintf(why, whylen, "await %d (%s, line %u) of the old build is await %d (line %u) of this one by "
                     "the order of the awaits, but await %d (line %u) by its text and place",
                     o->id, o->callee, o->line, na->id, na->line, c->id, c->line);
            goto out;
        }
    }
    /* An old await on one side of O whose text and place are found here
     * only on the other side of N, on awaits no other old await pairs with,
     * moved across it: one that already ran would run again, one still to
     * come would be skipped.  `taken`: one best alignment, traced back. */
    taken = durable__malloc(((size_t)n + 1) * sizeof *taken);
    if (!taken) {
        rc = DURABLE_ENOMEM;
        goto out;
    }
    for (uint32_t j = 0; j < n; j++)
        taken[j] = -1;
    for (uint32_t i = m, j = n; i > 0 && j > 0;) {
        int64_t p = weight(old, i - 1, fn, j - 1, per_pair);
        if (p >= 0 && F[(i - 1) * w + j - 1] + p == F[i * w + j]) {
            taken[j - 1] = (int64_t)(i - 1);
            i--;
            j--;
        } else if (F[(i - 1) * w + j] == F[i * w + j]) {
            i--;
        } else {
            j--;
        }
    }
    for (uint32_t i = 0; i < m; i++) {
        const durable__schema_await *p = &old->awaits[i];
        int before = 0, after = 0;
        for (uint32_t j = 0; i != oi && j < n; j++)
            if ((taken[j] < 0 || taken[j] == (int64_t)i) && same_kind(p, &fn->awaits[j]) &&
                marks(p, &fn->awaits[j]) == 2) {
                before += j < paired[0];
                after += j > paired[0];
            }
        if ((i < oi && after && !before) || (i > oi && before && !after)) {
            snprintf(why, whylen, "await %d (%s, line %u) of the old build, %s the one it waits at, moved %s it",
                     p->id, p->callee, p->line, i < oi ? "before" : "after", i < oi ? "after" : "before");
            goto out;
        }
    }
    if ((!o->place || !o->text || !na->place || !na->text) && (candidates > 1 || same_in_old > 1)) {
        snprintf(why, whylen, "await %d (%s, line %u) is one of several awaits of %s, and %s recorded no text and "
                 "place to tell them apart", o->id, o->callee, o->line, o->callee,
                 !o->place || !o->text ? "the old build" : "this build");
        goto out;
    }
    *found = na;
out:
    free(F);
    free(B);
    free(taken);
    return rc;
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
        uint32_t oi = 0;
        for (uint32_t i = 0; i < old.nawaits; i++)
            if (old.awaits[i].id == r->state) {
                oa = &old.awaits[i];
                oi = i;
            }
        if (oa)
            rc = match_await(&old, oi, fn, &na, why, whylen);
        else
            snprintf(why, whylen, "await %d is not in the schema the frame was written with", r->state);
        if (rc == DURABLE_OK && !na)
            rc = DURABLE_EINCOMPAT;
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
