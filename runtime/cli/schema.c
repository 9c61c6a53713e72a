/*
 * schema.c — value blobs decoded with a stored schema.
 *
 * The schema comes from the store layer (durable__schema_view: descriptors
 * rebuilt from the store and checked there with durable__fields_valid); a
 * role that did not pass is never decoded with.  Everything in a blob is
 * untrusted: one that does not decode is reported, never read past, and a
 * damaged one still shows the fields before the damage.
 */
#include "cli.h"

#include <string.h>

/* Frames bigger than this are refused rather than allocated: no schema
 * dcc writes comes near it, and a corrupt size must not exhaust memory. */
#define MAX_STRUCT (64u << 20)

/* A little-endian u32, as the blob header and string lengths are stored. */
static uint32_t get_u32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Labels of the pointers of decoded values ("table+8", "buf[1]"): what a
 * saved pointer points to, by name, since the CLI has no objects of its own. */
static durable__arena labels;

/* After the whole blob was refused: decode it field by field, as far as it
 * goes, so a damaged blob still shows the values before the damage.  Each
 * field's bytes are found with the layout of docs/storage.md, then decoded
 * alone by durable__decode (as a one-field blob), which does all the
 * checking.  Needs an intact header: without one no byte can be attributed
 * to a field. */
static void decode_prefix(const durable_field *f, uint32_t n, const unsigned char *p, size_t len, cli_decoded *out)
{
    if (len < 8 || p[0] != 'D' || p[1] != 'F' || p[2] < 1 || p[2] > DURABLE__CODEC_VERSION || get_u32(p + 4) != n)
        return;
    size_t at = 8;
    uint32_t i;
    for (i = 0; i < n; i++) {
        size_t start = at;
        int whole = 1;
        if (f[i].kind == DURABLE_KIND_STRUCT && p[2] >= 2 && f[i].nmembers) {
            break; /* a struct's pointers follow its bytes: not split here */
        } else if (f[i].kind != DURABLE_KIND_STRING && f[i].kind != DURABLE_KIND_POINTER) {
            whole = len - at >= f[i].size;
            at += whole ? f[i].size : 0;
        } else if (p[2] >= 2) { /* a tag: 0 NULL, 1 offset, 2 name and offset, 3 content,
                                   4 module name, offset and content, 5 argument and offset */
            for (uint32_t k = 0; k < f[i].count && whole; k++) {
                whole = len - at >= 1;
                int tag = whole ? p[at++] : 0;
                if (!whole || tag == 0)
                    continue;
                whole = len - at >= 4 && tag <= 5;
                uint32_t x = whole ? get_u32(p + at) : 0;
                at += whole ? 4 : 0;
                size_t more = tag == 2 ? (size_t)x + 4 : tag == 3 ? x : tag == 4 ? (size_t)x + 8 : tag == 5 ? 4 : 0;
                whole = whole && len - at >= more;
                if (whole && tag == 4) {
                    more += get_u32(p + at + x + 4);
                    whole = len - at >= more;
                }
                at += whole ? more : 0;
            }
        } else {
            for (uint32_t k = 0; k < f[i].count && whole; k++) {
                whole = len - at >= 4;
                if (!whole)
                    break;
                uint32_t sl = get_u32(p + at);
                at += 4;
                if (sl != 0xFFFFFFFFu) {
                    whole = len - at >= sl;
                    at += whole ? sl : 0;
                }
            }
        }
        if (!whole)
            break;
        size_t size = 8 + (at - start);
        unsigned char *one = malloc(size);
        if (!one)
            cli_oom();
        memcpy(one, p, 4);
        one[4] = 1, one[5] = one[6] = one[7] = 0;
        memcpy(one + 8, p + start, at - start);
        durable__ptrs px = {NULL, 0, 0, 1, {0}, "", {0}, NULL};
        int rc = durable__decode_in(&f[i], 1, one, size, out->base, &out->strings, &px);
        durable__arena_merge(&labels, &px.labels);
        free(one);
        if (rc == DURABLE_ENOMEM)
            cli_oom();
        if (rc != DURABLE_OK)
            break;
    }
    out->nvalid = i;
    out->trailing = i == n ? len - at : 0;
}


int cli_is_label(const void *p)
{
    return p && durable__arena_has(&labels, p);
}

static void put_label(unsigned char *slot, const char *text)
{
    char *l = durable__arena_strndup(&labels, text, strlen(text));
    if (!l)
        cli_oom();
    memcpy(slot, &l, sizeof l);
}

/* Replace each pointer into the frame block [frame, frame + total] by a label
 * naming the field it points into (fields of one level: top level). */
static void label_frame_pointers(const durable_field *f, uint32_t n, uint32_t total, unsigned char *b,
                                 int depth, unsigned char *frame)
{
    for (uint32_t i = 0; i < n && depth < 8; i++) {
        uint32_t elem = f[i].size / f[i].count;
        for (uint32_t k = 0; k < f[i].count; k++) {
            unsigned char *slot = b + f[i].offset + (size_t)k * elem;
            if (f[i].kind == DURABLE_KIND_STRUCT && f[i].nmembers)
                label_frame_pointers(f[i].members, f[i].nmembers, total, slot, depth + 1, frame);
            if (f[i].kind != DURABLE_KIND_STRING && f[i].kind != DURABLE_KIND_POINTER)
                continue;
            unsigned char *v;
            memcpy(&v, slot, sizeof v);
            if (!v || v < frame || v > frame + total)
                continue;
            uint32_t off = (uint32_t)(v - frame);
            char text[200] = "";
            for (uint32_t j = 0; j < n && depth == 0; j++) { /* the top-level field holding it */
                const durable_field *g = &f[j];
                uint32_t ge = g->size / g->count, in = off - g->offset;
                if (off < g->offset || off > g->offset + g->size)
                    continue;
                if (g->count > 1 && in % ge == 0)
                    snprintf(text, sizeof text, "%s[%u]", g->name, in / ge);
                else if (in)
                    snprintf(text, sizeof text, "%s+%u", g->name, in);
                else
                    snprintf(text, sizeof text, "%s", g->name);
                break;
            }
            if (!text[0])
                snprintf(text, sizeof text, "frame+%u", off);
            put_label(slot, text);
        }
    }
}

void cli_decode(const durable_field *f, uint32_t n, int valid, uint32_t total, const void *blob, size_t len,
                cli_decoded *out)
{
    memset(out, 0, sizeof *out);
    if (!valid || total > MAX_STRUCT) {
        out->rc = DURABLE_EINVAL;
        return;
    }
    if (!blob) {
        out->rc = DURABLE_ECORRUPT;
        return;
    }
    out->base = calloc(1, total ? total : 1);
    if (!out->base)
        cli_oom();
    durable__ptrs px = {NULL, 0, 0, 1, {0}, "", {0}, NULL}; /* lax: symbols by name, as labels */
    out->rc = durable__decode_in(f, n, blob, len, out->base, &out->strings, &px);
    durable__arena_merge(&labels, &px.labels);
    if (out->rc == DURABLE_ENOMEM)
        cli_oom();
    if (out->rc == DURABLE_OK) {
        label_frame_pointers(f, n, total, out->base, 0, out->base);
        out->nvalid = n;
    } else if (out->rc == DURABLE_ECORRUPT) {
        /* start again from zeroes: the failed decode may have left half a field */
        memset(out->base, 0, total ? total : 1);
        durable__arena_free(&out->strings);
        decode_prefix(f, n, blob, len, out);
    }
}

void cli_decoded_free(cli_decoded *d)
{
    free(d->base);
    durable__arena_free(&d->strings);
    memset(d, 0, sizeof *d);
}

const char *cli_decode_why(int rc)
{
    switch (rc) {
    case DURABLE_EINVAL: return "its schema's descriptors are malformed";
    case DURABLE_ENEWER: return "written by a newer codec version";
    case DURABLE_ECORRUPT: return "the stored blob is corrupt";
    default: return durable_strerror(rc);
    }
}
