/*
 * graph.c — --emit-dot and --emit-json: each durable function's states
 * (entry, its awaits, exit), the control-flow paths between them, and its
 * frame, from the CFG lower.c built.  Runs after emit_unit, before the
 * unit is freed.
 */
#include "emit.h"
#include "live.h"

#include <stdlib.h>
#include <string.h>

static const char *const kind_word[] = {"", "step", "child", "runtime"};

/* Which states can be reached from CFG node `from` without passing another
 * await: reach[k] for await k, reach[nawaits] for the exit. */
static void reachable(const ir_func *f, int from, unsigned char *reach)
{
    const cfg *g = f->cfg;
    int n = cfg_count(g);
    unsigned char *seen = calloc((size_t)n, 1);
    int *stack = malloc(sizeof(int) * (size_t)(n + 1) * 4);
    int sp = 0, cap = (n + 1) * 4;
    memset(reach, 0, (size_t)f->nawaits + 1);
    if (!seen || !stack)
        goto out;
    for (int i = 0; i < cfg_nsucc(g, from) && sp < cap; i++)
        stack[sp++] = cfg_succ(g, from, i);
    while (sp) {
        int x = stack[--sp];
        if (seen[x])
            continue;
        seen[x] = 1;
        int hit = 0;
        for (int k = 0; k < f->nawaits; k++)
            if (f->awaits[k].bnode == x) {
                reach[k] = 1;
                hit = 1;
            }
        if (x == f->cfg_exit) {
            reach[f->nawaits] = 1;
            hit = 1;
        }
        if (hit)
            continue;
        for (int i = 0; i < cfg_nsucc(g, x) && sp < cap; i++)
            stack[sp++] = cfg_succ(g, x, i);
    }
out:
    free(seen);
    free(stack);
}

static void json_str(FILE *out, const char *s)
{
    fputc('"', out);
    for (; s && *s; s++) {
        if (*s == '"' || *s == '\\')
            fprintf(out, "\\%c", *s);
        else if ((unsigned char)*s < 0x20)
            fprintf(out, "\\u%04x", *s);
        else
            fputc(*s, out);
    }
    fputc('"', out);
}

static int is_durable_def(const ir_func *f)
{
    return f->self->kind == CALLEE_DURABLE && f->cfg;
}

void emit_dot(const ir_unit *u, FILE *out)
{
    fprintf(out, "digraph durable {\n    node [shape=box, fontname=\"monospace\"];\n");
    for (int i = 0; i < u->nfuncs; i++) {
        const ir_func *f = u->funcs[i];
        if (!is_durable_def(f))
            continue;
        const char *n = f->self->name;
        fprintf(out, "    subgraph cluster_%s {\n        label=\"%s (line %u)\";\n", n, n, f->line);
        fprintf(out, "        %s__entry [label=\"entry\", shape=oval];\n", n);
        fprintf(out, "        %s__exit [label=\"return\", shape=oval];\n", n);
        for (int k = 0; k < f->nawaits; k++) {
            const ir_await *a = &f->awaits[k];
            fprintf(out, "        %s__aw%d [label=\"await %d, line %u\\n%s %s()\"];\n", n, a->id, a->id, a->line,
                    kind_word[a->kind], a->callee->name);
        }
        unsigned char *reach = malloc((size_t)f->nawaits + 1);
        if (!reach)
            return;
        for (int from = -1; from < f->nawaits; from++) {
            reachable(f, from < 0 ? f->cfg_entry : f->awaits[from].tnode, reach);
            for (int k = 0; k <= f->nawaits; k++) {
                if (!reach[k])
                    continue;
                if (from < 0)
                    fprintf(out, "        %s__entry -> ", n);
                else
                    fprintf(out, "        %s__aw%d -> ", n, f->awaits[from].id);
                if (k == f->nawaits)
                    fprintf(out, "%s__exit;\n", n);
                else
                    fprintf(out, "%s__aw%d;\n", n, f->awaits[k].id);
            }
        }
        free(reach);
        fprintf(out, "    }\n");
    }
    fprintf(out, "}\n");
}

static void json_field(FILE *out, const ir_var *v, const char *ind)
{
    fprintf(out, "%s{\"name\": ", ind);
    json_str(out, v->name);
    fprintf(out, ", \"member\": ");
    json_str(out, v->field ? v->field : v->name);
    fprintf(out, ", \"type\": ");
    json_str(out, v->type->spelling);
    fprintf(out, ", \"count\": %u, \"line\": %u%s}", v->type->count, v->line, v->is_temp ? ", \"temporary\": true" : "");
}

void emit_json(const ir_unit *u, FILE *out)
{
    fprintf(out, "{\n  \"file\": ");
    json_str(out, u->path);
    fprintf(out, ",\n  \"functions\": [");
    int first = 1;
    for (int i = 0; i < u->nfuncs; i++) {
        const ir_func *f = u->funcs[i];
        if (!is_durable_def(f))
            continue;
        fprintf(out, "%s\n    {\n      \"name\": ", first ? "" : ",");
        first = 0;
        json_str(out, f->self->name);
        fprintf(out, ",\n      \"line\": %u,\n      \"result\": ", f->line);
        json_str(out, f->self->ret->spelling);
        fprintf(out, ",\n      \"params\": [");
        int pf = 1;
        for (int v = 0; v < f->nvars; v++)
            if (f->vars[v].is_param) {
                fprintf(out, "%s\n", pf ? "" : ",");
                json_field(out, &f->vars[v], "        ");
                pf = 0;
            }
        fprintf(out, "%s],\n      \"frame\": [", pf ? "" : "\n      ");
        int ff = 1;
        for (int v = 0; v < f->nvars; v++)
            if (f->vars[v].in_frame) {
                fprintf(out, "%s\n", ff ? "" : ",");
                json_field(out, &f->vars[v], "        ");
                ff = 0;
            }
        fprintf(out, "%s],\n      \"states\": [\n        {\"state\": 0, \"what\": \"entry\", \"next\": [", ff ? "" : "\n      ");
        unsigned char *reach = malloc((size_t)f->nawaits + 1);
        if (!reach)
            return;
        for (int from = -1; from < f->nawaits; from++) {
            if (from >= 0) {
                const ir_await *a = &f->awaits[from];
                fprintf(out, ",\n        {\"state\": %d, \"what\": \"await\", \"kind\": \"%s\", \"callee\": ", a->id,
                        kind_word[a->kind]);
                json_str(out, a->callee->name);
                fprintf(out, ", \"line\": %u, \"checks_error\": %s, \"saves\": [", a->line,
                        a->checks_error ? "true" : "false");
                int sf = 1;
                for (int v = 0; v < f->nvars; v++)
                    if (a->live && a->live[v]) {
                        fprintf(out, "%s", sf ? "" : ", ");
                        json_str(out, f->vars[v].name);
                        sf = 0;
                    }
                fprintf(out, "], \"next\": [");
            }
            reachable(f, from < 0 ? f->cfg_entry : f->awaits[from].tnode, reach);
            int nf = 1;
            for (int k = 0; k <= f->nawaits; k++)
                if (reach[k]) {
                    if (k == f->nawaits)
                        fprintf(out, "%s\"return\"", nf ? "" : ", ");
                    else
                        fprintf(out, "%s%d", nf ? "" : ", ", f->awaits[k].id);
                    nf = 0;
                }
            fprintf(out, "]}");
        }
        free(reach);
        fprintf(out, "\n      ]\n    }");
    }
    fprintf(out, "\n  ]\n}\n");
}
