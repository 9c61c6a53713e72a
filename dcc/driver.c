/*
 * driver.c — the command-line model of a gcc/clang invocation, the fast
 * pre-filter, and recognition of a compiler named by a build-system launcher.
 *
 * The model only has to answer a few questions exactly: which arguments are
 * input files (so an option's value such as `-MT foo.c` is never taken for
 * one), which are C sources, how far the compiler goes, where its outputs
 * go, and which flags change how a file parses.  Everything else passes to
 * the real compiler untouched and in order; this file never rewrites a
 * command line (main.c builds the one it runs).
 */
#define _DEFAULT_SOURCE /* MAP_PRIVATE & co. under -std=c11 */
#include "driver.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* ------------------------------------------------------------------------
 * Helpers
 * ---------------------------------------------------------------------- */

void *drv_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        fputs("dcc: error: out of memory\n", stderr);
        exit(2);
    }
    return p;
}

char *drv_xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    return memcpy(drv_xmalloc(n), s, n);
}

char *drv_xasprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
        fputs("dcc: error: cannot format a string\n", stderr);
        exit(2);
    }
    char *s = drv_xmalloc((size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return s;
}

const char *drv_basename(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

char *drv_dirname(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return drv_xstrdup(".");
    if (slash == path)
        return drv_xstrdup("/");
    size_t n = (size_t)(slash - path);
    char *d = drv_xmalloc(n + 1);
    memcpy(d, path, n);
    d[n] = '\0';
    return d;
}

static int has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n > m && strcmp(s + n - m, suffix) == 0;
}

/* ------------------------------------------------------------------------
 * Option tables (gcc and clang spellings)
 * ---------------------------------------------------------------------- */

/* Options whose value may be the next argument when written alone.  Only
 * their arity matters here: a value must never be mistaken for an input. */
static const char *const separate_value_opts[] = {
    "-o", "-x", "-I", "-D", "-U", "-L", "-l", "-A", "-B", "-T", "-u", "-z", "-e", "-F",
    "-include", "-imacros", "-isystem", "-iquote", "-idirafter", "-iprefix",
    "-iwithprefix", "-iwithprefixbefore", "-isysroot", "-imultilib", "-iframework",
    "-include-pch", "-MF", "-MT", "-MQ", "-MJ", "-Xlinker", "-Xassembler",
    "-Xpreprocessor", "-Xclang", "-Xanalyzer", "-mllvm", "-aux-info", "-dumpbase",
    "-dumpbase-ext", "-dumpdir", "-wrapper", "--param", "--sysroot", "-target",
    "-arch", "-framework", "-gcc-toolchain", "--serialize-diagnostics", NULL};

/* Parse flags that may take a separate value ("-I dir") or a joined one
 * ("-Idir").  Longer spellings first where one is a prefix of another. */
static const char *const parse_value_opts[] = {
    "-iwithprefixbefore", "-iwithprefix", "-iprefix", "-idirafter", "-isystem",
    "-isysroot", "-iquote", "-include", "-imacros", "--sysroot", "-I", "-D", "-U", NULL};

/* Parse flags that stand alone or carry their value after '='. */
static const char *const parse_flag_opts[] = {
    "-nostdinc", "-undef", "-ansi", "-m32", "-m64", "-mx32", "-funsigned-char",
    "-fsigned-char", "-pthread", NULL};

static int in_list(const char *const *list, const char *s)
{
    for (; *list; list++)
        if (strcmp(*list, s) == 0)
            return 1;
    return 0;
}

/* ------------------------------------------------------------------------
 * Response files
 * ---------------------------------------------------------------------- */

typedef struct argvec {
    char **v;
    int n, cap;
} argvec;

static void argvec_push(argvec *a, char *s)
{
    if (a->n + 1 >= a->cap) {
        int cap = a->cap ? a->cap * 2 : 32;
        char **v = realloc(a->v, (size_t)cap * sizeof *v);
        if (!v) {
            fputs("dcc: error: out of memory\n", stderr);
            exit(2);
        }
        a->v = v;
        a->cap = cap;
    }
    a->v[a->n++] = s;
    a->v[a->n] = NULL;
}

static void owned_push(drv_cmd *cmd, char *s)
{
    char **v = realloc(cmd->owned, (size_t)(cmd->nowned + 1) * sizeof *v);
    if (!v) {
        fputs("dcc: error: out of memory\n", stderr);
        exit(2);
    }
    cmd->owned = v;
    cmd->owned[cmd->nowned++] = s;
}

/* Read a whole file; NULL with errno set on failure. */
static char *read_text(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0;
    char *buf = drv_xmalloc(cap);
    for (;;) {
        if (n + 1 >= cap) {
            char *b = realloc(buf, cap *= 2);
            if (!b) {
                free(buf);
                fclose(f);
                errno = ENOMEM;
                return NULL;
            }
            buf = b;
        }
        size_t got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
        if (got == 0)
            break;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        errno = EIO;
        return NULL;
    }
    buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
}

/* Split a response file as gcc does: whitespace separates arguments,
 * single and double quotes group, a backslash takes the next character
 * literally.  Arguments are appended to `out`, recursing into nested
 * @files up to a fixed depth. */
static int expand_response(drv_cmd *cmd, argvec *out, const char *arg, int depth);

static int split_response(drv_cmd *cmd, argvec *out, char *text, int depth)
{
    char *r = text;
    for (;;) {
        while (*r == ' ' || *r == '\t' || *r == '\n' || *r == '\r' || *r == '\f' || *r == '\v')
            r++;
        if (!*r)
            return 0;
        char *start = r, *w = r;
        char quote = 0;
        while (*r) {
            if (quote) {
                if (*r == quote) {
                    quote = 0;
                    r++;
                } else if (*r == '\\' && r[1]) {
                    *w++ = r[1];
                    r += 2;
                } else {
                    *w++ = *r++;
                }
            } else if (*r == '\'' || *r == '"') {
                quote = *r++;
            } else if (*r == '\\' && r[1]) {
                *w++ = r[1];
                r += 2;
            } else if (*r == ' ' || *r == '\t' || *r == '\n' || *r == '\r' || *r == '\f' ||
                       *r == '\v') {
                break;
            } else {
                *w++ = *r++;
            }
        }
        int more = *r != '\0';
        *w = '\0';
        if (start[0] == '@' && depth < 16) {
            if (expand_response(cmd, out, start, depth + 1) < 0)
                return -1;
        } else {
            argvec_push(out, start);
        }
        if (!more)
            return 0;
        r++;
    }
}

static int expand_response(drv_cmd *cmd, argvec *out, const char *arg, int depth)
{
    char *text = read_text(arg + 1, NULL);
    if (!text) {
        if (errno == ENOENT) { /* gcc keeps a missing @file as an argument */
            argvec_push(out, (char *)arg);
            return 0;
        }
        fprintf(stderr, "dcc: error: cannot read response file '%s': %s\n", arg + 1,
                strerror(errno));
        return -1;
    }
    owned_push(cmd, text);
    return split_response(cmd, out, text, depth);
}

/* ------------------------------------------------------------------------
 * The model
 * ---------------------------------------------------------------------- */

void drv_cmd_free(drv_cmd *cmd)
{
    if (cmd->expanded)
        free(cmd->args);
    free(cmd->inputs);
    free(cmd->parse_args);
    for (int i = 0; i < cmd->nowned; i++)
        free(cmd->owned[i]);
    free(cmd->owned);
    memset(cmd, 0, sizeof *cmd);
}

static void add_parse(drv_cmd *cmd, const char *a)
{
    cmd->parse_args[cmd->nparse++] = a;
}

/* -Wp,-MD,file and -Wp,-MMD,file (the Linux kernel's spelling). */
static void scan_wp(drv_cmd *cmd, const char *arg)
{
    const char *p = arg + 4;
    if (strncmp(p, "-MD,", 4) == 0 || strncmp(p, "-MMD,", 5) == 0) {
        cmd->dep_md = 1;
        cmd->dep_mf = strchr(p, ',') + 1;
    }
}

static void set_stage(drv_cmd *cmd, drv_stage s)
{
    if (s > cmd->stage)
        cmd->stage = s;
}

/* Replace cmd->args by argv with every @file expanded (kept by the model). */
static int expand_all(drv_cmd *cmd, int argc, char **argv)
{
    argvec all = {0};
    for (int j = 0; j < argc; j++) {
        if (argv[j][0] == '@' && argv[j][1]) {
            if (expand_response(cmd, &all, argv[j], 0) < 0) {
                free(all.v);
                return -1;
            }
        } else {
            argvec_push(&all, argv[j]);
        }
    }
    if (!all.v) { /* every @file was empty */
        all.v = drv_xmalloc(sizeof *all.v);
        all.v[0] = NULL;
    }
    cmd->args = all.v;
    cmd->nargs = all.n;
    cmd->expanded = 1;
    return 0;
}

int drv_cmd_parse(drv_cmd *cmd, int argc, char **argv)
{
    memset(cmd, 0, sizeof *cmd);
    cmd->args = argv;
    cmd->nargs = argc;
    for (int i = 0; i < argc; i++) {
        if (argv[i][0] == '@' && argv[i][1]) {
            if (expand_all(cmd, argc, argv) < 0) {
                drv_cmd_free(cmd);
                return -1;
            }
            break;
        }
    }

    char **a = cmd->args;
    int n = cmd->nargs;
    cmd->inputs = drv_xmalloc((size_t)n * sizeof *cmd->inputs);
    cmd->parse_args = drv_xmalloc((size_t)n * sizeof *cmd->parse_args);
    int lang = 0; /* from -x: 0 = by suffix, 1 = C, -1 = something else */
    int md_only = 0; /* -M or -MM seen */

    for (int i = 0; i < n; i++) {
        const char *s = a[i];
        if (s[0] != '-' || s[1] == '\0') {
            drv_input *in = &cmd->inputs[cmd->ninputs++];
            in->argi = i;
            in->path = s;
            in->is_c = strcmp(s, "-") != 0 && (lang == 1 || (lang == 0 && has_suffix(s, ".c")));
            continue;
        }
        /* A value in the next argument, or joined to the option. */
        const char *val = NULL;
        int separate = in_list(separate_value_opts, s);
        if (separate && i + 1 < n)
            val = a[i + 1];

        if (strcmp(s, "-E") == 0) {
            set_stage(cmd, DRV_STAGE_PREPROCESS);
        } else if (strcmp(s, "-S") == 0) {
            set_stage(cmd, DRV_STAGE_ASM);
        } else if (strcmp(s, "-c") == 0) {
            set_stage(cmd, DRV_STAGE_COMPILE);
        } else if (strcmp(s, "-fsyntax-only") == 0) {
            set_stage(cmd, DRV_STAGE_SYNTAX);
        } else if (strcmp(s, "-M") == 0 || strcmp(s, "-MM") == 0) {
            md_only = 1;
        } else if (strcmp(s, "-MD") == 0 || strcmp(s, "-MMD") == 0) {
            cmd->dep_md = 1;
        } else if (strncmp(s, "-MF", 3) == 0) {
            cmd->dep_mf = s[3] ? s + 3 : val;
        } else if (strncmp(s, "-Wp,", 4) == 0) {
            scan_wp(cmd, s);
        } else if (strncmp(s, "-o", 2) == 0) {
            cmd->output = s[2] ? s + 2 : val;
        } else if (strncmp(s, "-x", 2) == 0) {
            const char *l = s[2] ? s + 2 : val;
            lang = !l || strcmp(l, "none") == 0 ? 0 : strcmp(l, "c") == 0 ? 1 : -1;
        } else if (s[1] == 'g' && strcmp(s, "-g0") != 0 && !separate) {
            cmd->debug = 1;
        } else if (strncmp(s, "-std=", 5) == 0 || in_list(parse_flag_opts, s)) {
            add_parse(cmd, s);
        } else if (!separate || in_list(parse_value_opts, s)) {
            for (const char *const *p = parse_value_opts; *p; p++) {
                size_t len = strlen(*p);
                if (strncmp(s, *p, len) != 0)
                    continue;
                if (s[len] == '\0') {
                    add_parse(cmd, s);
                    if (val)
                        add_parse(cmd, val);
                } else if (strcmp(*p, "--sysroot") != 0 || s[len] == '=') {
                    add_parse(cmd, s);
                }
                break;
            }
        }
        if (separate)
            i++; /* skip the value */
    }
    /* -M/-MM alone only list dependencies; with -MD they are odd but gcc
     * still preprocesses only. */
    if (md_only)
        set_stage(cmd, DRV_STAGE_DEPS);
    return 0;
}

/* ------------------------------------------------------------------------
 * Pre-filter
 * ---------------------------------------------------------------------- */

static int is_ident_char(unsigned char c)
{
    return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c >= 0x80;
}

/* Does text[0..n) mention durable code?  One pass over the bytes, outside
 * comments, string and character literals: an identifier `await`, or one
 * starting with `durable` (which also covers `#include <durable.h>`).
 * The memchr-driven skips keep it near memory speed. */
static int scan_for_durable(const char *text, size_t n)
{
    const char *p = text, *end = text + n;
    while (p < end) {
        unsigned char c = (unsigned char)*p;
        if (c == '/' && p + 1 < end && p[1] == '/') {
            const char *nl = memchr(p, '\n', (size_t)(end - p));
            /* a backslash-newline continues a // comment */
            while (nl && nl > p && nl[-1] == '\\')
                nl = memchr(nl + 1, '\n', (size_t)(end - nl - 1));
            p = nl ? nl + 1 : end;
        } else if (c == '/' && p + 1 < end && p[1] == '*') {
            const char *q = p + 2;
            p = end;
            while (q < end && (q = memchr(q, '*', (size_t)(end - q))) != NULL) {
                if (q + 1 < end && q[1] == '/') {
                    p = q + 2;
                    break;
                }
                q++;
            }
        } else if (c == '"' || c == '\'') {
            for (p++; p < end && *p != (char)c && *p != '\n'; p++)
                if (*p == '\\')
                    p++;
            p++;
        } else if (is_ident_char(c) && !(c >= '0' && c <= '9')) {
            const char *start = p;
            while (p < end && is_ident_char((unsigned char)*p))
                p++;
            size_t len = (size_t)(p - start);
            if ((len == 5 && memcmp(start, "await", 5) == 0) ||
                (len >= 7 && memcmp(start, "durable", 7) == 0))
                return 1;
        } else if (c >= '0' && c <= '9') {
            while (p < end && is_ident_char((unsigned char)*p)) /* a number */
                p++;
        } else {
            p++;
        }
    }
    return 0;
}

int drv_mentions_durable(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    struct stat st;
    int hit = 0;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
        size_t n = (size_t)st.st_size;
        void *map = mmap(NULL, n, PROT_READ, MAP_PRIVATE, fd, 0);
        if (map != MAP_FAILED) {
            hit = scan_for_durable(map, n);
            munmap(map, n);
        }
    }
    close(fd);
    return hit;
}

/* ------------------------------------------------------------------------
 * Launcher: is argv[1] a compiler?
 * ---------------------------------------------------------------------- */

/* Strip a version suffix such as "-12" or "-19.1" (digits and dots after
 * a final dash). */
static size_t strip_version(const char *name, size_t len)
{
    size_t i = len;
    while (i > 0 && ((name[i - 1] >= '0' && name[i - 1] <= '9') || name[i - 1] == '.'))
        i--;
    if (i < len && i > 0 && name[i - 1] == '-')
        return i - 1;
    return len;
}

static int ends_with_n(const char *s, size_t n, const char *suffix)
{
    size_t m = strlen(suffix);
    return n >= m && memcmp(s + n - m, suffix, m) == 0 && (n == m || s[n - m - 1] == '-');
}

int drv_is_compiler_wrapper(const char *word)
{
    const char *b = drv_basename(word);
    return strcmp(b, "ccache") == 0 || strcmp(b, "sccache") == 0 || strcmp(b, "distcc") == 0;
}

int drv_is_compiler(const char *word)
{
    if (!word[0] || word[0] == '-' || word[0] == '@')
        return 0;
    const char *b = drv_basename(word);
    size_t n = strip_version(b, strlen(b));
    static const char *const names[] = {"cc", "gcc", "clang", "c89", "c99", "c11", "tcc",
                                        "icc", "icx", "pcc", "cproc", "chibicc", NULL};
    for (const char *const *p = names; *p; p++)
        if (ends_with_n(b, n, *p))
            return 1;
    /* Anything else must look like a program, not like an input. */
    static const char *const input_suffixes[] = {".c", ".h", ".i", ".o", ".a", ".s", ".S",
                                                 ".so", ".lo", ".obj", ".lib", ".dylib", NULL};
    for (const char *const *p = input_suffixes; *p; p++)
        if (has_suffix(b, *p))
            return 0;
    if (strstr(b, ".so."))
        return 0;
    struct stat st;
    if (strchr(word, '/'))
        return stat(word, &st) == 0 && S_ISREG(st.st_mode) && access(word, X_OK) == 0;
    return 0; /* a bare name that is not a known compiler is an input */
}
