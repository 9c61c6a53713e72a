/*
 * translate.c — dcc_translate: the translator's pipeline for one file,
 * cx (parse, IR) -> find (check, classify) -> emit (lower, liveness, text).
 */
#include "translate.h"
#include "cx.h"
#include "diag.h"
#include "emit.h"
#include "find.h"
#include "ir.h"
#include "live.h"

#include <stdio.h>
#include <string.h>

static int has_durable_code(const ir_unit *u)
{
    if (u->nhosts || u->nmarks)
        return 1;
    for (int i = 0; i < u->nfuncs; i++)
        if (u->funcs[i]->self->kind == CALLEE_DURABLE || u->funcs[i]->nawaits)
            return 1;
    return 0;
}

int dcc_translate_as(const dcc_translate_opts *opts, dcc_emit_kind kind, FILE *out, int *changed)
{
    int dummy;
    if (!changed)
        changed = &dummy;
    *changed = 0;
    if (!opts || !opts->path || !out)
        return DCC_EINTERNAL;
    ir_unit u;
    memset(&u, 0, sizeof u);
    diag_reset();
    int rc = cx_parse(&u, opts->path, opts->args, opts->nargs);
    if (rc == DCC_OK && find_unit(&u))
        rc = DCC_EUSER;
    if (rc == DCC_OK && has_durable_code(&u)) {
        FILE *c_out = kind == DCC_EMIT_C ? out : NULL;
        FILE *sink = c_out;
        if (!sink)
            sink = fopen("/dev/null", "w");
        if (!sink)
            rc = DCC_EINTERNAL;
        else {
            if (emit_unit(&u, sink))
                rc = DCC_EUSER;
            else
                *changed = 1;
            if (sink != c_out)
                fclose(sink);
        }
        if (rc == DCC_OK && kind == DCC_EMIT_DOT)
            emit_dot(&u, out);
        else if (rc == DCC_OK && kind == DCC_EMIT_JSON)
            emit_json(&u, out);
    }
    for (int i = 0; i < u.nfuncs; i++)
        cfg_free(u.funcs[i]->cfg);
    ir_unit_free(&u);
    return rc;
}

int dcc_translate(const dcc_translate_opts *opts, FILE *out, int *changed)
{
    return dcc_translate_as(opts, DCC_EMIT_C, out, changed);
}
