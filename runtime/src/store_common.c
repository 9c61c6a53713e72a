/*
 * store_common.c — what the two stores share: the stored encodings of a
 * status, a function's schema as table rows and back, and freeing what the
 * read operations return.
 *
 * Nothing here knows SQL or a connection.  A store binds the values these
 * functions give and hands over the columns it reads; the encoding of each
 * value (store.h) therefore exists once, whichever engine holds the rows.
 */
#include "store.h"

#include <stdlib.h>
#include <string.h>

/* ---- statuses ---- */

static const char *const status_names[] = {
    [DURABLE_READY] = DURABLE__ST_READY,   [DURABLE_WAITING] = DURABLE__ST_WAITING,
    [DURABLE_DONE] = DURABLE__ST_DONE,     [DURABLE_FAILED] = DURABLE__ST_FAILED,
    [DURABLE_CANCELLED] = DURABLE__ST_CANCELLED, [DURABLE_HELD] = DURABLE__ST_HELD,
};

const char *durable__status_text(int status)
{
    if (status < DURABLE_READY || status > DURABLE_HELD)
        return NULL; /* never stored: a caller's bug, written as NULL and refused by NOT NULL */
    return status_names[status];
}

int durable__status_parse(const char *text)
{
    for (int st = DURABLE_READY; text && st <= DURABLE_HELD; st++)
        if (strcmp(text, status_names[st]) == 0)
            return st;
    return 0;
}

/* ---- a schema as rows ---- */

static int field_rows(const durable__schema_sink *sink, const char *role, const durable_field *f, uint32_t n,
                      int parent, int *idx)
{
    for (uint32_t i = 0; i < n; i++) {
        int me = (*idx)++;
        int rc = sink->field_row(sink->ctx, role, me, parent, &f[i]);
        if (rc == DURABLE_OK && f[i].kind == DURABLE_KIND_STRUCT && f[i].members)
            rc = field_rows(sink, role, f[i].members, f[i].nmembers, me, idx);
        if (rc != DURABLE_OK)
            return rc;
    }
    return DURABLE_OK;
}

int durable__schema_rows(const durable_func *fn, const durable__schema_sink *sink)
{
    int idx = 0;
    int rc = field_rows(sink, DURABLE__ROLE_PARAM, fn->params, fn->nparams, -1, &idx);
    idx = 0;
    if (rc == DURABLE_OK)
        rc = field_rows(sink, DURABLE__ROLE_FIELD, fn->fields, fn->nfields, -1, &idx);
    idx = 0;
    if (rc == DURABLE_OK && fn->result)
        rc = field_rows(sink, DURABLE__ROLE_RESULT, fn->result, 1, -1, &idx);
    for (uint32_t i = 0; rc == DURABLE_OK && i < fn->nawaits; i++) {
        const durable_await *a = &fn->awaits[i];
        durable__await_row row = {
            .id = a->id, .kind = a->kind, .checks_error = a->checks_error, .line = a->line,
            .callee = a->callee, .place = a->place, .text = a->text, .value = a->value,
        };
        /* an identity that edits elsewhere in the function keep (upgrade.c) */
        for (uint32_t k = 0; k < i; k++)
            row.occurrence += strcmp(fn->awaits[k].callee ? fn->awaits[k].callee : "", a->callee ? a->callee : "") == 0;
        char *saves = durable__saves_text(a);
        if (!saves)
            return DURABLE_ENOMEM;
        row.saves = saves;
        rc = sink->await_row(sink->ctx, &row);
        free(saves);
    }
    return rc;
}

/* ---- a schema read back ---- */

durable_field *durable__schema_add_field(durable__schema *sc, const char *role)
{
    int param = strcmp(role, DURABLE__ROLE_PARAM) == 0;
    durable_field **arr = param ? &sc->params : &sc->fields;
    uint32_t *n = param ? &sc->nparams : &sc->nfields;
    durable_field *grown = durable__realloc(*arr, (*n + 1) * sizeof **arr);
    if (!grown)
        return NULL;
    *arr = grown;
    durable_field *f = &grown[(*n)++];
    memset(f, 0, sizeof *f);
    return f;
}

durable__schema_await *durable__schema_add_await(durable__schema *sc)
{
    durable__schema_await *grown = durable__realloc(sc->awaits, (sc->nawaits + 1) * sizeof *grown);
    if (!grown)
        return NULL;
    sc->awaits = grown;
    durable__schema_await *a = &grown[sc->nawaits++];
    memset(a, 0, sizeof *a);
    a->value.name = "";
    a->value.count = 1;
    return a;
}

int durable__schema_parse_saves(durable__schema_await *a, const char *t)
{
    a->saves = NULL;
    a->nsaves = 0;
    if (!t || !*t)
        return DURABLE_OK;
    size_t cap = 1;
    for (const char *c = t; *c; c++)
        cap += *c == ',';
    uint32_t *v = durable__malloc(cap * sizeof *v);
    if (!v)
        return DURABLE_ENOMEM;
    uint32_t n = 0;
    for (const char *c = t;; c++) { /* decimal numbers, one comma between two: nothing else */
        uint64_t x = 0;
        const char *digits = c;
        for (; *c >= '0' && *c <= '9' && x <= UINT32_MAX; c++)
            x = x * 10 + (uint64_t)(*c - '0');
        if (c == digits || x > UINT32_MAX || (*c && *c != ',') || (*c == ',' && !c[1])) {
            free(v);
            return DURABLE_ECORRUPT;
        }
        v[n++] = (uint32_t)x;
        if (!*c)
            break;
    }
    a->saves = v;
    a->nsaves = n;
    return DURABLE_OK;
}

int durable__schema_done(durable__schema *sc, int rc)
{
    if (rc == DURABLE_OK && (sc->frame_size > DURABLE__MAX_STRUCT || sc->args_size > DURABLE__MAX_STRUCT ||
                             durable__fields_valid(sc->fields, sc->nfields, sc->frame_size) != DURABLE_OK ||
                             durable__fields_valid(sc->params, sc->nparams, sc->args_size) != DURABLE_OK))
        rc = DURABLE_ECORRUPT;
    for (uint32_t i = 0; rc == DURABLE_OK && i < sc->nawaits; i++)
        for (uint32_t k = 0; k < sc->awaits[i].nsaves; k++)
            if (sc->awaits[i].saves[k] >= sc->nfields)
                rc = DURABLE_ECORRUPT;
    if (rc != DURABLE_OK)
        durable__schema_free(sc);
    return rc;
}

void durable__schema_free(durable__schema *sc)
{
    for (uint32_t i = 0; i < sc->nfields; i++) {
        free((char *)sc->fields[i].name);
        free((char *)sc->fields[i].type);
    }
    for (uint32_t i = 0; i < sc->nparams; i++) {
        free((char *)sc->params[i].name);
        free((char *)sc->params[i].type);
    }
    for (uint32_t i = 0; i < sc->nawaits; i++) {
        free(sc->awaits[i].callee);
        free(sc->awaits[i].place);
        free(sc->awaits[i].text);
        free((char *)sc->awaits[i].value.type);
        free(sc->awaits[i].saves);
    }
    free(sc->fields);
    free(sc->params);
    free(sc->awaits);
    free(sc->function);
    memset(sc, 0, sizeof *sc);
}

/* ---- rows and id lists ---- */

void durable__row_clear(durable__row *r)
{
    free(r->id);
    free(r->function);
    free(r->parent);
    free(r->owner);
    free(r->waiting_on);
    free(r->policy);
    free(r->error);
    durable__buf_free(&r->args);
    durable__buf_free(&r->frame);
    durable__buf_free(&r->value);
    durable__buf_free(&r->payload);
    durable__buf_free(&r->result);
    memset(r, 0, sizeof *r);
}

void durable__ids_free(char **ids, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(ids[i]);
    free(ids);
}
