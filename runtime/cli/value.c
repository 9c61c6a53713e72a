/*
 * value.c — decoded frame values shown as C-like text and as JSON.
 *
 * Input is one field descriptor and the bytes of that field in a decoded
 * struct (schema.c): the descriptors have passed durable__fields_valid, so
 * every element size here is one the codec accepts and every member lies
 * inside its element.  Text follows C's look: 42, 2.5, true, 'B', "text",
 * NULL, [1, 2, 3], {x: 3, y: -4}; what cannot be shown by type (a struct
 * declared inside a function, whose members dcc does not describe) is shown
 * as its bytes in hex.  JSON maps each to the natural JSON value; docs/cli.md
 * lists the mapping.
 */
#include "cli.h"

#include <math.h>
#include <string.h>

/* Bytes shown in text before "..." (JSON always has them all). */
#define HEX_TEXT_MAX 64

/* A number as the shortest text that reads back as the same value. */
static void format_float(char out[64], const unsigned char *p, uint32_t size)
{
    if (size == sizeof(float)) {
        float v;
        memcpy(&v, p, sizeof v);
        if (!isfinite(v)) {
            snprintf(out, 64, "%s", isnan(v) ? "nan" : v > 0 ? "inf" : "-inf");
            return;
        }
        for (int prec = 1; prec <= 9; prec++) {
            snprintf(out, 64, "%.*g", prec, (double)v);
            if (strtof(out, NULL) == v)
                return;
        }
    } else if (size == sizeof(double)) {
        double v;
        memcpy(&v, p, sizeof v);
        if (!isfinite(v)) {
            snprintf(out, 64, "%s", isnan(v) ? "nan" : v > 0 ? "inf" : "-inf");
            return;
        }
        for (int prec = 1; prec <= 17; prec++) {
            snprintf(out, 64, "%.*g", prec, v);
            if (strtod(out, NULL) == v)
                return;
        }
    } else {
        long double v;
        memcpy(&v, p, sizeof v);
        if (!isfinite(v)) {
            snprintf(out, 64, "%s", isnan(v) ? "nan" : v > 0 ? "inf" : "-inf");
            return;
        }
        for (int prec = 1; prec <= 21; prec++) {
            snprintf(out, 64, "%.*Lg", prec, v);
            if (strtold(out, NULL) == v)
                return;
        }
    }
}

/* A signed integer of 1, 2, 4 or 8 bytes in host order. */
static long long read_int(const unsigned char *p, uint32_t size)
{
    switch (size) {
    case 1: { int8_t v; memcpy(&v, p, 1); return v; }
    case 2: { int16_t v; memcpy(&v, p, 2); return v; }
    case 4: { int32_t v; memcpy(&v, p, 4); return v; }
    default: { int64_t v; memcpy(&v, p, 8); return v; }
    }
}

/* An unsigned integer of 1, 2, 4 or 8 bytes in host order. */
static unsigned long long read_uint(const unsigned char *p, uint32_t size)
{
    switch (size) {
    case 1: return p[0];
    case 2: { uint16_t v; memcpy(&v, p, 2); return v; }
    case 4: { uint32_t v; memcpy(&v, p, 4); return v; }
    default: { uint64_t v; memcpy(&v, p, 8); return v; }
    }
}

/* The first max of n bytes as lowercase hex, "..." when cut. */
static void hex(strbuf *b, const unsigned char *p, size_t n, size_t max)
{
    for (size_t i = 0; i < n && i < max; i++)
        sb_printf(b, "%02x", p[i]);
    if (n > max)
        sb_puts(b, "...");
}

/* A char array's text: up to its first NUL (or all of it). */
static size_t char_array_len(const unsigned char *p, uint32_t n)
{
    const unsigned char *z = memchr(p, 0, n);
    return z ? (size_t)(z - p) : n;
}

/* Is this field shown by its descriptors, or only as bytes?  A string
 * inside a struct is a pointer without its content; a struct without member
 * descriptors is opaque. */
static int opaque(const durable_field *f, int depth)
{
    (void)depth;
    return (f->kind == DURABLE_KIND_STRUCT && f->nmembers == 0) || f->kind < DURABLE_KIND_INT ||
           f->kind > DURABLE_KIND_POINTER;
}

static void value_text(strbuf *b, const durable_field *f, const unsigned char *p, int depth);

/* One element (of `elem` bytes) of field f as text.  depth > 0 inside a
 * struct. */
static void element_text(strbuf *b, const durable_field *f, const unsigned char *p, uint32_t elem, int depth)
{
    char num[64];
    if (opaque(f, depth)) {
        sb_puts(b, "<bytes ");
        hex(b, p, elem, HEX_TEXT_MAX);
        sb_puts(b, ">");
        return;
    }
    switch (f->kind) {
    case DURABLE_KIND_INT: sb_printf(b, "%lld", read_int(p, elem)); break;
    case DURABLE_KIND_UINT: sb_printf(b, "%llu", read_uint(p, elem)); break;
    case DURABLE_KIND_FLOAT:
        format_float(num, p, elem);
        sb_puts(b, num);
        break;
    case DURABLE_KIND_BOOL: sb_puts(b, p[0] ? "true" : "false"); break;
    case DURABLE_KIND_CHAR:
        sb_puts(b, "'");
        if (p[0] == '\'')
            sb_puts(b, "\\'");
        else if (p[0] == '"')
            sb_puts(b, "\"");
        else
            sb_quote(b, (const char *)p, 1, 0);
        sb_puts(b, "'");
        break;
    case DURABLE_KIND_STRING:
    case DURABLE_KIND_POINTER: {
        const char *s;
        memcpy(&s, p, sizeof s);
        if (!s) {
            sb_puts(b, "NULL");
        } else if (cli_is_label(s) || f->kind == DURABLE_KIND_POINTER) {
            sb_puts(b, "&"); /* where it points: a local, or an object by name */
            sb_puts(b, cli_is_label(s) ? s : "?");
        } else {
            sb_puts(b, "\"");
            sb_quote(b, s, strlen(s), 0);
            sb_puts(b, "\"");
        }
        break;
    }
    case DURABLE_KIND_STRUCT:
        sb_puts(b, "{");
        for (uint32_t i = 0; i < f->nmembers; i++) {
            const durable_field *m = &f->members[i];
            sb_printf(b, "%s%s: ", i ? ", " : "", m->name);
            value_text(b, m, p + m->offset, depth + 1);
        }
        sb_puts(b, "}");
        break;
    }
}

/* All of field f: a char array as text, an array as [..], else one element. */
static void value_text(strbuf *b, const durable_field *f, const unsigned char *p, int depth)
{
    uint32_t elem = f->size / f->count;
    if (f->kind == DURABLE_KIND_CHAR && f->count > 1) {
        sb_puts(b, "\"");
        sb_quote(b, (const char *)p, char_array_len(p, f->count), 0);
        sb_puts(b, "\"");
        return;
    }
    if (f->count == 1) {
        element_text(b, f, p, elem, depth);
        return;
    }
    sb_puts(b, "[");
    for (uint32_t k = 0; k < f->count; k++) {
        if (k)
            sb_puts(b, ", ");
        element_text(b, f, p + (size_t)k * elem, elem, depth);
    }
    sb_puts(b, "]");
}

void cli_value_text(strbuf *b, const durable_field *f, const unsigned char *p)
{
    value_text(b, f, p, 0);
}

static void value_json(jw *w, const durable_field *f, const unsigned char *p, int depth);

/* One element of field f as a JSON value. */
static void element_json(jw *w, const durable_field *f, const unsigned char *p, uint32_t elem, int depth)
{
    char num[64];
    if (opaque(f, depth)) {
        strbuf b = {0};
        hex(&b, p, elem, SIZE_MAX);
        jw_object(w);
        jw_kstr(w, "$hex", sb_str(&b));
        jw_end(w);
        sb_free(&b);
        return;
    }
    switch (f->kind) {
    case DURABLE_KIND_INT: jw_int(w, read_int(p, elem)); break;
    case DURABLE_KIND_UINT: jw_uint(w, read_uint(p, elem)); break;
    case DURABLE_KIND_FLOAT:
        format_float(num, p, elem);
        if (strcmp(num, "nan") == 0 || strcmp(num, "inf") == 0 || strcmp(num, "-inf") == 0)
            jw_string(w, num); /* JSON has no non-finite numbers */
        else
            jw_literal(w, num);
        break;
    case DURABLE_KIND_BOOL: jw_bool(w, p[0]); break;
    case DURABLE_KIND_CHAR: jw_stringn(w, (const char *)p, 1); break;
    case DURABLE_KIND_STRING:
    case DURABLE_KIND_POINTER: {
        const char *s;
        memcpy(&s, p, sizeof s);
        if (s && (cli_is_label(s) || f->kind == DURABLE_KIND_POINTER)) {
            jw_object(w);
            jw_key(w, "points_to");
            jw_string(w, cli_is_label(s) ? s : "?");
            jw_end(w);
        } else
            jw_string(w, s);
        break;
    }
    case DURABLE_KIND_STRUCT:
        jw_object(w);
        for (uint32_t i = 0; i < f->nmembers; i++) {
            const durable_field *m = &f->members[i];
            jw_key(w, m->name);
            value_json(w, m, p + m->offset, depth + 1);
        }
        jw_end(w);
        break;
    }
}

/* All of field f as a JSON value. */
static void value_json(jw *w, const durable_field *f, const unsigned char *p, int depth)
{
    uint32_t elem = f->size / f->count;
    if (f->kind == DURABLE_KIND_CHAR && f->count > 1) {
        jw_stringn(w, (const char *)p, char_array_len(p, f->count));
        return;
    }
    if (f->count == 1) {
        element_json(w, f, p, elem, depth);
        return;
    }
    jw_array(w);
    for (uint32_t k = 0; k < f->count; k++)
        element_json(w, f, p + (size_t)k * elem, elem, depth);
    jw_end(w);
}

void cli_value_json(jw *w, const durable_field *f, const unsigned char *p)
{
    value_json(w, f, p, 0);
}

void cli_decl(strbuf *b, const char *type, const char *name)
{
    if (!type || !*type) {
        sb_puts(b, name);
        return;
    }
    const char *bracket = strchr(type, '[');
    size_t base = bracket ? (size_t)(bracket - type) : strlen(type);
    while (base > 0 && type[base - 1] == ' ')
        base--;
    sb_add(b, type, base);
    if (base && type[base - 1] != '*')
        sb_puts(b, " ");
    sb_puts(b, name);
    if (bracket)
        sb_puts(b, bracket);
}
