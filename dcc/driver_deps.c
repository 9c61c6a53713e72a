/*
 * driver_deps.c — make what the compiler writes about its input name the
 * user's source instead of the translated copy dcc compiled: dependency
 * files (-MD/-MMD/-MF) and the line markers of -E output.
 *
 * The translated copy lives at <tmp>/<n>/<basename of the original>, so the
 * compiler's own output names (foo.o, foo.d) and targets are already the
 * ones the user expects; only the prerequisite path differs, by its
 * directory.  The fix is therefore a textual replacement of the unique
 * "<tmp>/<n>/" prefix by the original's directory, leaving the basename
 * exactly as the compiler escaped it.  The temporary directory's name holds
 * no character that make rules or C strings escape (driver_proc.c makes
 * sure), so the prefix appears in both kinds of file verbatim.
 *
 * Not for: -M/-MM without -MD (dcc runs those on the original file).
 */
#define _GNU_SOURCE /* memmem */
#include "driver.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Spell a directory as gcc and clang spell paths in make rules. */
static char *make_escape(const char *s)
{
    size_t n = strlen(s);
    char *out = drv_xmalloc(2 * n + 1), *w = out;
    for (; *s; s++) {
        if (*s == ' ' || *s == '\t') {
            /* backslashes before a space are doubled, then the space escaped */
            for (char *b = w; b > out && b[-1] == '\\'; b--)
                *w++ = '\\';
            *w++ = '\\';
        } else if (*s == '#') {
            *w++ = '\\';
        } else if (*s == '$') {
            *w++ = '$';
        }
        *w++ = *s;
    }
    *w = '\0';
    return out;
}

static char *slurp(FILE *f, size_t *len)
{
    size_t cap = 8192, n = 0;
    char *buf = drv_xmalloc(cap);
    size_t got;
    while ((got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            char *b = realloc(buf, cap *= 2);
            if (!b) {
                free(buf);
                return NULL;
            }
            buf = b;
        }
    }
    if (ferror(f)) {
        free(buf);
        return NULL;
    }
    *len = n;
    return buf;
}

/* Replace every `from` in text[0..n) with `to`, writing to f. */
static void write_replaced(FILE *f, const char *text, size_t n, const char *from, const char *to)
{
    size_t m = strlen(from);
    const char *p = text, *end = text + n, *hit;
    while ((hit = memmem(p, (size_t)(end - p), from, m)) != NULL) {
        fwrite(p, 1, (size_t)(hit - p), f);
        fputs(to, f);
        p = hit + m;
    }
    fwrite(p, 1, (size_t)(end - p), f);
}

/* The file at `path` with every `from` replaced by `to`: written to `dest`
 * when given; else over the file itself, atomically, and only if it
 * mentions `from`.  A missing file is not an error for the in-place form
 * (a candidate name the compiler did not use).  `what` names the file in
 * messages.  0 or -1 (message on stderr; the file is left as it was). */
static int replace_in_file(const char *path, const char *from, const char *to, FILE *dest,
                           const char *what)
{
    FILE *in = fopen(path, "rb");
    if (!in) {
        if (!dest)
            return 0;
        fprintf(stderr, "dcc: error: cannot read %s: %s\n", path, strerror(errno));
        return -1;
    }
    size_t n = 0;
    char *text = slurp(in, &n);
    struct stat st;
    int have_mode = fstat(fileno(in), &st) == 0;
    fclose(in);
    if (!text) {
        fprintf(stderr, "dcc: error: cannot read %s\n", path);
        return -1;
    }
    if (dest) {
        write_replaced(dest, text, n, from, to);
        free(text);
        return fflush(dest) == 0 && !ferror(dest) ? 0 : -1;
    }
    if (!memmem(text, n, from, strlen(from))) {
        free(text);
        return 0;
    }

    char *tmp = drv_xasprintf("%s.dcc-XXXXXX", path);
    int rc = -1;
    drv_signals_block(1); /* no stray file if interrupted between here and rename */
    int fd = mkstemp(tmp);
    FILE *out = fd >= 0 ? fdopen(fd, "wb") : NULL;
    if (out) {
        write_replaced(out, text, n, from, to);
        if (have_mode)
            fchmod(fd, st.st_mode & 07777);
        int bad = ferror(out);
        bad |= fclose(out) != 0;
        if (!bad && rename(tmp, path) == 0)
            rc = 0;
        else
            unlink(tmp);
    } else if (fd >= 0) {
        close(fd);
        unlink(tmp);
    }
    if (rc != 0)
        fprintf(stderr, "dcc: error: cannot rewrite %s %s: %s\n", what, path, strerror(errno));
    drv_signals_block(0);
    free(tmp);
    free(text);
    return rc;
}

/* The directory part of `orig` with its slash ("src/" for "src/a.c", ""
 * for "a.c"), malloc'd. */
static char *dir_prefix(const char *orig)
{
    const char *slash = strrchr(orig, '/');
    size_t n = slash ? (size_t)(slash - orig) + 1 : 0;
    char *d = drv_xmalloc(n + 1);
    memcpy(d, orig, n);
    d[n] = '\0';
    return d;
}

/* "dir/name.ext" -> "dir/name"; a dot in a directory name is not a suffix. */
static char *strip_suffix(const char *path)
{
    char *s = drv_xstrdup(path);
    char *base = s + (drv_basename(s) - s);
    char *dot = strrchr(base, '.');
    if (dot && dot != base)
        *dot = '\0';
    return s;
}

int drv_deps_fix(const drv_cmd *cmd, const char *orig, const char *tmp_path)
{
    if (!cmd->dep_md)
        return 0;
    /* "<tmp>/<n>/" -> the original's directory as written ("" when none). */
    char *tmp_dir = drv_dirname(tmp_path);
    char *from = drv_xasprintf("%s/", tmp_dir);
    char *dir = dir_prefix(orig);
    char *to = make_escape(dir);
    free(dir);

    /* Where gcc and clang put the file: -MF; else derived from -o (gcc
     * before 11 and clang: the output with .d; gcc 11+ when linking:
     * <output>-<input>.d); else from the input's basename. */
    char *stem = strip_suffix(drv_basename(orig));
    char *cand[5];
    int nc = 0;
    if (cmd->dep_mf) {
        cand[nc++] = drv_xstrdup(cmd->dep_mf);
    } else {
        if (cmd->output) {
            char *o = strip_suffix(cmd->output);
            cand[nc++] = drv_xasprintf("%s.d", o);
            free(o);
            cand[nc++] = drv_xasprintf("%s-%s.d", cmd->output, stem);
        } else {
            cand[nc++] = drv_xasprintf("a-%s.d", stem);
        }
        cand[nc++] = drv_xasprintf("%s.d", stem);
    }
    int rc = 0;
    for (int i = 0; i < nc; i++) {
        if (replace_in_file(cand[i], from, to, NULL, "dependency file") < 0)
            rc = -1;
        free(cand[i]);
    }
    free(stem);
    free(tmp_dir);
    free(from);
    free(to);
    return rc;
}

/* Spell a directory as a C string literal's contents, as line markers do. */
static char *c_escape(const char *s)
{
    char *out = drv_xmalloc(2 * strlen(s) + 1), *w = out;
    for (; *s; s++) {
        if (*s == '\\' || *s == '"')
            *w++ = '\\';
        *w++ = *s;
    }
    *w = '\0';
    return out;
}

int drv_markers_fix(const char *path, const char *orig, const char *tmp_path, FILE *dest)
{
    char *tmp_dir = drv_dirname(tmp_path);
    char *from = drv_xasprintf("\"%s/", tmp_dir);
    char *dir = dir_prefix(orig);
    char *esc = c_escape(dir);
    char *to = drv_xasprintf("\"%s", esc);
    int rc = replace_in_file(path, from, to, dest, "preprocessed output");
    free(tmp_dir);
    free(from);
    free(dir);
    free(esc);
    free(to);
    return rc;
}
