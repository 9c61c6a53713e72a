/*
 * co.c — the coroutines this worker holds in memory: the table of claimed
 * coroutines by id, the ready queue, the parked frames of those that left to
 * wait, and loading a stored row's arguments, frame and value into one.
 *
 * Owns: rt->table/nbuckets/count (every coroutine this worker runs is in
 * the table: one adopted enters it after the round's commit, one that leaves
 * memory is unlinked before it is freed), rt->qhead/qtail with co->queued
 * (set while the coroutine is on the FIFO queue), and rt->parked.  Keeps I2
 * (co_load_state decodes what was committed) and I7 (co_new takes a parked
 * block back only when its function, fingerprint and checkpoint number are
 * the row's; otherwise the file is the truth).
 * Not for: deciding what runs (round.c) or what a checkpoint writes
 * (transition.c).
 */
#include "scheduler.h"

#include <stdio.h>
#include <string.h>

/* ------------------------------------------------------------------------
 * Claimed coroutines and the ready queue
 * ---------------------------------------------------------------------- */

static size_t hash_str(const char *s)
{
    size_t h = 5381;
    while (*s)
        h = h * 33 + (unsigned char)*s++;
    return h;
}

durable_co *durable__co_find(durable_rt *rt, const char *id)
{
    if (!rt->nbuckets)
        return NULL;
    for (durable_co *c = rt->table[hash_str(id) % rt->nbuckets]; c; c = c->hnext)
        if (strcmp(c->id, id) == 0)
            return c;
    return NULL;
}

int durable__co_insert(durable_rt *rt, durable_co *co)
{
    if (rt->count + 1 > rt->nbuckets) {
        size_t nb = rt->nbuckets ? rt->nbuckets * 2 : 64;
        durable_co **t = durable__calloc(nb, sizeof *t);
        if (!t)
            return DURABLE_ENOMEM;
        for (size_t i = 0; i < rt->nbuckets; i++)
            for (durable_co *c = rt->table[i], *n; c; c = n) {
                n = c->hnext;
                size_t b = hash_str(c->id) % nb;
                c->hnext = t[b];
                t[b] = c;
            }
        free(rt->table);
        rt->table = t;
        rt->nbuckets = nb;
    }
    size_t b = hash_str(co->id) % rt->nbuckets;
    co->hnext = rt->table[b];
    rt->table[b] = co;
    rt->count++;
    return DURABLE_OK;
}

void durable__co_unlink(durable_rt *rt, durable_co *co)
{
    if (!rt->nbuckets)
        return;
    durable_co **p = &rt->table[hash_str(co->id) % rt->nbuckets];
    while (*p && *p != co)
        p = &(*p)->hnext;
    if (*p) {
        *p = co->hnext;
        rt->count--;
    }
}

void durable__enqueue(durable_rt *rt, durable_co *co)
{
    if (co->queued)
        return;
    co->queued = 1;
    co->qnext = NULL;
    if (rt->qtail)
        rt->qtail->qnext = co;
    else
        rt->qhead = co;
    rt->qtail = co;
}

void durable__co_free(durable_co *co)
{
    if (!co)
        return;
    free(co->id);
    free(co->parent);
    free(co->frame);
    free(co->args);
    free(co->value);
    free(co->fail_msg);
    free(co->req_name);
    free(co->ijob.fail_msg);
    free(co->ijob.step_key);
    durable__job_free(co->job); /* made, never submitted */
    free(co->policy);
    durable__buf_free(&co->payload);
    durable__arena_free(&co->strings);
    durable__arena_free(&co->arg_strings);
    durable__buf_free(&co->req_value);
    durable__buf_free(&co->resume_value);
    durable__buf_free(&co->raw_value);
    durable__buf_free(&co->enc_frame);
    free(co);
}

void durable__parked_free(parked *p)
{
    free(p->id);
    free(p->frame);
    free(p->args);
    durable__arena_free(&p->arg_strings);
    free(p);
}

void durable__parked_free_all(durable_rt *rt)
{
    for (size_t i = 0; i < rt->nparked_buckets; i++)
        while (rt->parked[i]) {
            parked *p = rt->parked[i];
            rt->parked[i] = p->next;
            durable__parked_free(p);
        }
    free(rt->parked);
    rt->parked = NULL;
    rt->nparked_buckets = rt->nparked = 0;
}

/* Move co's frame and arguments to rt's parked table, chained by the hash of
 * its id (co is freed after); `seq` is the checkpoint the frame is.  A
 * table, not a list: a worker may hold 100,000 waiting frames, and each
 * claim looks its id up. */
void durable__park(durable_rt *rt, durable_co *co, uint64_t seq)
{
    if (rt->nparked + 1 > rt->nparked_buckets) {
        size_t nb = rt->nparked_buckets ? rt->nparked_buckets * 2 : 64;
        parked **t = durable__calloc(nb, sizeof *t);
        if (!t)
            return; /* it will be decoded again: pointers by offset, strings copied */
        for (size_t i = 0; i < rt->nparked_buckets; i++)
            while (rt->parked[i]) { /* keeps each id's entries newest first */
                parked *p = rt->parked[i], **tail;
                rt->parked[i] = p->next;
                for (tail = &t[hash_str(p->id) % nb]; *tail; tail = &(*tail)->next)
                    ;
                p->next = NULL;
                *tail = p;
            }
        free(rt->parked);
        rt->parked = t;
        rt->nparked_buckets = nb;
    }
    parked *p = durable__calloc(1, sizeof *p);
    if (!p || !(p->id = durable__strdup(co->id))) {
        free(p);
        return; /* it will be decoded again: pointers by offset, strings copied */
    }
    p->fn = co->fn;
    p->seq = seq;
    p->frame = co->frame;
    p->args = co->args;
    p->arg_strings = co->arg_strings;
    co->frame = co->args = NULL;
    co->arg_strings.head = NULL;
    parked **b = &rt->parked[hash_str(p->id) % rt->nparked_buckets];
    p->next = *b;
    *b = p;
    rt->nparked++;
}

/* Take id's parked block out of the table, or NULL. */
static parked *unpark(durable_rt *rt, const char *id)
{
    if (!rt->nparked_buckets)
        return NULL;
    for (parked **pp = &rt->parked[hash_str(id) % rt->nparked_buckets]; *pp; pp = &(*pp)->next)
        if (strcmp((*pp)->id, id) == 0) {
            parked *p = *pp;
            *pp = p->next;
            rt->nparked--;
            return p;
        }
    return NULL;
}

/* Forget every claimed coroutine (they stay in the file, still claimed by
 * this worker, so the next round claims them again). */
void durable__drop_all(durable_rt *rt)
{
    durable__pool_quiesce(rt); /* no step of theirs runs any more */
    for (size_t i = 0; i < rt->nbuckets; i++)
        for (durable_co *c = rt->table[i], *n; c; c = n) {
            n = c->hnext;
            durable__co_free(c);
        }
    free(rt->table);
    rt->table = NULL;
    rt->nbuckets = rt->count = 0;
    rt->qhead = rt->qtail = NULL;
    rt->claim_dirty = 1;
    rt->reclaim = 1;
}

void durable__co_drop(durable_rt *rt, durable_co *co)
{
    durable__co_unlink(rt, co);
    durable__co_free(co);
}

/* ------------------------------------------------------------------------
 * Values: decoding blobs into a coroutine
 * ---------------------------------------------------------------------- */

const durable_await *durable__await_of(const durable_func *fn, int state)
{
    return state >= 1 && (uint32_t)state <= fn->nawaits ? &fn->awaits[state - 1] : NULL;
}

const durable_field *durable__await_value(const durable_func *fn, int state)
{
    const durable_await *a = durable__await_of(fn, state);
    return a ? a->value : NULL;
}

/* The encoding of an int value: what every runtime awaitable yields. */
int durable__encode_int(int v, durable__buf *out)
{
    static const durable_field f = {"", "int", DURABLE_KIND_INT, 0, sizeof(int), 1, 0, 0, 0};
    return durable__encode(&f, 1, &v, out);
}

/* Replace the coroutine's frame and value with what the blobs hold (I2).
 * A NULL or empty blob means zeroes; frame == NULL keeps the frame, which
 * is what every checkpoint of a coroutine in memory does (I7): only a
 * coroutine coming from the file decodes its frame, with pointers rebased
 * onto the new block and char * contents as malloc'd copies the program
 * owns.  On failure the coroutine is unchanged and rt->why says why. */
int durable__co_load_state(durable_co *co, const durable__buf *frame, const durable__buf *value)
{
    durable__arena strings = {0};
    const durable_func *fn = co->fn;
    const durable_field *vd = durable__await_value(fn, co->state);
    size_t vsize = vd ? vd->size : 0, fsize = fn->frame_size ? fn->frame_size : 1;
    unsigned char vtmp[64], *nv = vsize <= sizeof vtmp ? vtmp : durable__malloc(vsize);
    if (!nv)
        return DURABLE_ENOMEM;
    void *nf = frame ? durable__calloc(1, fsize) : NULL;
    if (frame && !nf) {
        if (nv != vtmp)
            free(nv);
        return DURABLE_ENOMEM;
    }
    int rc = DURABLE_OK;
    memset(nv, 0, vsize);
    durable__ptrs px = {NULL, 0, 1, 0, {0}, "", {0}, &co->arg_strings}; /* args: decoded before */
    co->rt->why[0] = 0;
    if (frame && frame->p && frame->n) {
        rc = durable__decode_in(fn->fields, fn->nfields, frame->p, frame->n, nf, &strings, &px);
        if (rc == DURABLE_EPOINTER)
            snprintf(co->rt->why, sizeof co->rt->why, "a saved pointer points into '%.120s', which this "
                     "program does not have", px.what);
    }
    /* a step's char * value is the program's, as the step returned it */
    const durable_await *aw = durable__await_of(fn, co->state);
    px.own = aw && aw->kind == DURABLE_AWAIT_STEP;
    if (rc == DURABLE_OK && value && value->p && value->n)
        rc = durable__decode_in(vd, vd ? 1 : 0, value->p, value->n, nv, &strings, &px);
    if (rc == DURABLE_OK && vsize > co->value_cap) {
        unsigned char *grown = durable__realloc(co->value, vsize);
        if (grown) {
            co->value = grown;
            co->value_cap = vsize;
        } else {
            rc = DURABLE_ENOMEM;
        }
    }
    durable__ptrs_done(&px, rc != DURABLE_OK); /* a failed decode frees its copies */
    if (rc != DURABLE_OK) {
        if (nv != vtmp)
            free(nv);
        free(nf);
        durable__arena_free(&strings);
        return rc;
    }
    if (vsize)
        memcpy(co->value, nv, vsize);
    if (nv != vtmp)
        free(nv);
    co->value_size = vsize;
    if (frame) {
        free(co->frame);
        co->frame = nf;
    }
    durable__arena_merge(&co->strings, &strings);
    return DURABLE_OK;
}

int durable__set_payload(durable_co *co, const durable__buf *p)
{
    co->payload.n = 0;
    if (!p || !p->p)
        return DURABLE_OK;
    int rc = durable__buf_put(&co->payload, p->p, p->n);
    if (rc == DURABLE_OK)
        rc = durable__buf_put(&co->payload, "", 1); /* the NUL that makes text a C string */
    if (rc == DURABLE_OK)
        co->payload.n--;
    return rc;
}

/* A coroutine for a stored row whose function is fn. */
int durable__co_new(durable_rt *rt, durable_func *fn, const durable__row *r, durable_co **out)
{
    durable_co *co = durable__calloc(1, sizeof *co);
    if (!co)
        return DURABLE_ENOMEM;
    co->rt = rt;
    co->fn = fn;
    co->id = durable__strdup(r->id);
    co->parent = r->parent ? durable__strdup(r->parent) : NULL;
    co->policy = r->policy ? durable__strdup(r->policy) : NULL;
    co->spawn_idx = r->spawn_idx;
    co->state = r->state;
    co->ready = r->ready;
    co->await_error = r->await_error;
    co->attempt = r->attempt;
    co->cancel = r->cancel;
    co->seq = r->seq;
    co->await_seq = r->await_seq;
    parked *pk = unpark(rt, r->id);
    if (pk && (pk->fn != fn || pk->seq != r->seq || r->fingerprint != fn->fingerprint)) {
        durable__parked_free(pk); /* something was committed since: the file is the truth */
        pk = NULL;
    }
    if (pk) {
        co->args = pk->args;
        co->arg_strings = pk->arg_strings;
        co->frame = pk->frame;
        pk->args = pk->frame = NULL;
        pk->arg_strings.head = NULL;
        durable__parked_free(pk);
    } else
        co->args = durable__calloc(1, fn->args_size ? fn->args_size : 1);
    int rc = co->args && co->id && (co->parent || !r->parent) && (co->policy || !r->policy) ? DURABLE_OK
                                                                                            : DURABLE_ENOMEM;
    if (rc == DURABLE_OK && r->args.p && !co->frame)
        rc = durable__decode(fn->params, fn->nparams, r->args.p, r->args.n, co->args, &co->arg_strings);
    if (rc == DURABLE_OK)
        rc = durable__co_load_state(co, co->frame ? NULL : &r->frame, &r->value);
    if (rc == DURABLE_OK)
        rc = durable__set_payload(co, &r->payload);
    if (rc != DURABLE_OK) {
        durable__co_free(co);
        return rc;
    }
    *out = co;
    return DURABLE_OK;
}
