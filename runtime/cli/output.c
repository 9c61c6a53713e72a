/*
 * output.c — the small pieces every command prints with: growable strings,
 * quoting, a streaming JSON writer, ISO-8601 and relative times, and the
 * durations operators type ("7d", "12h").  Nothing here knows about
 * workflows.
 */
#include "cli.h"

#include <ctype.h>
#include <stdarg.h>
#include <string.h>
#include <time.h>

/* ---- strings ---- */

static void sb_reserve(strbuf *b, size_t extra)
{
    if (b->cap - b->n > extra)
        return;
    size_t cap = b->cap ? b->cap : 64;
    while (cap - b->n <= extra) {
        if (cap > SIZE_MAX / 2)
            cli_oom();
        cap *= 2;
    }
    char *p = realloc(b->p, cap);
    if (!p)
        cli_oom();
    b->p = p;
    b->cap = cap;
}

void sb_add(strbuf *b, const char *s, size_t n)
{
    sb_reserve(b, n);
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = '\0';
}

void sb_puts(strbuf *b, const char *s)
{
    sb_add(b, s, strlen(s));
}

void sb_printf(strbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    sb_reserve(b, (size_t)n);
    va_start(ap, fmt);
    vsnprintf(b->p + b->n, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->n += (size_t)n;
}

const char *sb_str(const strbuf *b)
{
    return b->p ? b->p : "";
}

void sb_free(strbuf *b)
{
    free(b->p);
    b->p = NULL;
    b->n = b->cap = 0;
}

/* Length of the valid UTF-8 sequence at s[0..n) (2-4 bytes), or 0. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    size_t len;
    unsigned min;
    unsigned cp;
    if (s[0] >= 0xC2 && s[0] <= 0xDF) {
        len = 2, cp = s[0] & 0x1F, min = 0x80;
    } else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
        len = 3, cp = s[0] & 0x0F, min = 0x800;
    } else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
        len = 4, cp = s[0] & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = cp << 6 | (s[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return len;
}

void sb_quote(strbuf *b, const char *str, size_t n, int json)
{
    const unsigned char *s = (const unsigned char *)str;
    for (size_t i = 0; i < n;) {
        unsigned char c = s[i];
        const char *esc = NULL;
        switch (c) {
        case '"': esc = "\\\""; break;
        case '\\': esc = "\\\\"; break;
        case '\n': esc = "\\n"; break;
        case '\t': esc = "\\t"; break;
        case '\r': esc = "\\r"; break;
        default: break;
        }
        if (esc) {
            sb_puts(b, esc);
            i++;
        } else if (c >= 0x20 && c < 0x7F) {
            sb_add(b, (const char *)s + i, 1);
            i++;
        } else {
            size_t u = c >= 0x80 ? utf8_len(s + i, n - i) : 0;
            if (u) {
                sb_add(b, (const char *)s + i, u);
                i += u;
            } else {
                sb_printf(b, json ? "\\u%04x" : "\\x%02x", c);
                i++;
            }
        }
    }
}

/* ---- JSON ---- */

void jw_init(jw *w, FILE *f)
{
    memset(w, 0, sizeof *w);
    w->f = f;
}

/* A newline and two spaces per level. */
static void indent(jw *w, int depth)
{
    fputc('\n', w->f);
    for (int i = 0; i < depth; i++)
        fputs("  ", w->f);
}

/* Before any value: a separator and indentation, unless it follows a key. */
static void before_value(jw *w)
{
    if (w->keyed) {
        w->keyed = 0;
        return;
    }
    if (w->depth > 0) {
        if (w->count[w->depth - 1]++)
            fputc(',', w->f);
        indent(w, w->depth);
    }
}

static void open_container(jw *w, char open, char close)
{
    before_value(w);
    fputc(open, w->f);
    if (w->depth == JW_DEPTH) /* callers bound their nesting well below */
        cli_fail_internal("JSON nested deeper than %d", JW_DEPTH);
    w->count[w->depth] = 0;
    w->close[w->depth] = close;
    w->depth++;
}

void jw_object(jw *w)
{
    open_container(w, '{', '}');
}

void jw_array(jw *w)
{
    open_container(w, '[', ']');
}

void jw_end(jw *w)
{
    if (w->depth == 0)
        return;
    w->depth--;
    if (w->count[w->depth])
        indent(w, w->depth);
    fputc(w->close[w->depth], w->f);
}

void jw_key(jw *w, const char *key)
{
    before_value(w);
    strbuf b = {0};
    sb_quote(&b, key, strlen(key), 1);
    fprintf(w->f, "\"%s\": ", sb_str(&b));
    sb_free(&b);
    w->keyed = 1;
}

void jw_stringn(jw *w, const char *s, size_t n)
{
    before_value(w);
    strbuf b = {0};
    sb_quote(&b, s, n, 1);
    fprintf(w->f, "\"%s\"", sb_str(&b));
    sb_free(&b);
}

void jw_string(jw *w, const char *s)
{
    if (s)
        jw_stringn(w, s, strlen(s));
    else
        jw_null(w);
}

void jw_int(jw *w, long long v)
{
    before_value(w);
    fprintf(w->f, "%lld", v);
}

void jw_uint(jw *w, unsigned long long v)
{
    before_value(w);
    fprintf(w->f, "%llu", v);
}

void jw_bool(jw *w, int v)
{
    jw_literal(w, v ? "true" : "false");
}

void jw_null(jw *w)
{
    jw_literal(w, "null");
}

void jw_literal(jw *w, const char *text)
{
    before_value(w);
    fputs(text, w->f);
}

void jw_finish(jw *w)
{
    fputc('\n', w->f);
}

void jw_kstr(jw *w, const char *key, const char *s)
{
    jw_key(w, key);
    jw_string(w, s);
}

void jw_kint(jw *w, const char *key, long long v)
{
    jw_key(w, key);
    jw_int(w, v);
}

void jw_kbool(jw *w, const char *key, int v)
{
    jw_key(w, key);
    jw_bool(w, v);
}

void jw_ktime(jw *w, const char *key, int64_t ms)
{
    char name[64], iso[40];
    snprintf(name, sizeof name, "%s_ms", key);
    jw_key(w, name);
    if (ms > 0)
        jw_int(w, ms);
    else
        jw_null(w);
    jw_key(w, key);
    if (ms > 0) {
        cli_iso_time(iso, ms);
        jw_string(w, iso);
    } else {
        jw_null(w);
    }
}

/* ---- times ---- */

int64_t cli_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
 * days_from_civil), so no timegm() or TZ is needed. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* The inverse: a day number to year, month, day. */
static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

void cli_iso_time(char out[40], int64_t ms)
{
    int64_t secs = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
    int frac = (int)(ms - secs * 1000);
    int64_t days = secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400);
    int64_t rem = secs - days * 86400;
    int64_t y;
    int m, d;
    civil_from_days(days, &y, &m, &d);
    int n = snprintf(out, 40, "%04lld-%02d-%02dT%02d:%02d:%02d", (long long)y, m, d, (int)(rem / 3600),
                     (int)(rem / 60 % 60), (int)(rem % 60));
    if (frac && n > 0 && n < 34)
        snprintf(out + n, (size_t)(40 - n), ".%03dZ", frac);
    else if (n > 0 && n < 39)
        snprintf(out + n, (size_t)(40 - n), "Z");
}

void cli_relative(char out[40], int64_t ms, int64_t now)
{
    int64_t delta = ms - now;
    int future = delta > 0;
    uint64_t abs_ms = future ? (uint64_t)delta : (uint64_t)(-(delta + 1)) + 1;
    if (abs_ms < 1000) {
        snprintf(out, 40, "now");
        return;
    }
    static const struct {
        const char *unit;
        uint64_t ms;
    } units[] = {{"d", 86400000}, {"h", 3600000}, {"m", 60000}, {"s", 1000}};
    char text[32] = "";
    size_t len = 0;
    int shown = 0;
    for (size_t i = 0; i < sizeof units / sizeof units[0] && shown < 2; i++) {
        uint64_t k = abs_ms / units[i].ms;
        if (k == 0 && shown == 0)
            continue;
        if (k)
            len += (size_t)snprintf(text + len, sizeof text - len, "%llu%s", (unsigned long long)k, units[i].unit);
        abs_ms -= k * units[i].ms;
        shown++;
    }
    snprintf(out, 40, future ? "in %s" : "%s ago", text);
}

int cli_parse_duration(const char *s, int64_t *ms)
{
    static const struct {
        const char *unit;
        int64_t ms;
    } units[] = {{"ms", 1}, {"s", 1000}, {"m", 60000}, {"h", 3600000}, {"d", 86400000}, {"w", 604800000}};
    int64_t total = 0;
    int parts = 0;
    if (!s || !*s)
        return -1;
    while (*s) {
        if (!isdigit((unsigned char)*s))
            return -1;
        int64_t k = 0;
        while (isdigit((unsigned char)*s)) {
            if (k > INT64_MAX / 10 - 10)
                return -1;
            k = k * 10 + (*s++ - '0');
        }
        int64_t unit = 0;
        if (!*s && parts == 0) {
            unit = 1000; /* a bare number: seconds */
        } else {
            for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
                size_t ul = strlen(units[i].unit);
                if (strncmp(s, units[i].unit, ul) == 0 && !isalpha((unsigned char)s[ul])) {
                    unit = units[i].ms;
                    s += ul;
                    break;
                }
            }
        }
        if (!unit || k > (INT64_MAX - total) / unit)
            return -1;
        total += k * unit;
        parts++;
    }
    *ms = total;
    return 0;
}

int cli_parse_time(const char *s, int64_t *ms)
{
    int y, mo, d, h = 0, mi = 0, sec = 0, n = 0;
    if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3 || n != 10)
        return -1;
    const char *t = s + n;
    if (*t == 'T' || *t == ' ') {
        int k = 0;
        if (sscanf(t + 1, "%2d:%2d%n", &h, &mi, &k) != 2 || k != 5)
            return -1;
        t += 1 + k;
        if (*t == ':') {
            if (sscanf(t + 1, "%2d%n", &sec, &k) != 1 || k != 2)
                return -1;
            t += 1 + k;
        }
    }
    if (*t == 'Z')
        t++;
    if (*t || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
        return -1;
    *ms = ((days_from_civil(y, mo, d) * 24 + h) * 60 + mi) * 60000 + (int64_t)sec * 1000;
    return 0;
}
