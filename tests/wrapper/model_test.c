/*
 * model_test.c — unit tests of dcc's command-line model (dcc/driver.c):
 * which arguments are inputs, which are C, the stage, outputs, dependency
 * options, the parse flags handed to the translator, response files,
 * launcher recognition and the pre-filter.
 *
 * usage: model_test CASE SCRATCH_DIR   (one ctest entry per case)
 */
#include "driver.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures;
static const char *scratch;

#define CHECK_INT(got, want)                                                                    \
    do {                                                                                        \
        long g_ = (long)(got), w_ = (long)(want);                                               \
        if (g_ != w_) {                                                                         \
            fprintf(stderr, "%s:%d: %s is %ld, expected %ld\n", __FILE__, __LINE__, #got, g_,  \
                    w_);                                                                        \
            failures++;                                                                         \
        }                                                                                       \
    } while (0)

#define CHECK_STR(got, want)                                                                    \
    do {                                                                                        \
        const char *g_ = (got), *w_ = (want);                                                   \
        if ((g_ == NULL) != (w_ == NULL) || (g_ && strcmp(g_, w_) != 0)) {                      \
            fprintf(stderr, "%s:%d: %s is \"%s\", expected \"%s\"\n", __FILE__, __LINE__, #got, \
                    g_ ? g_ : "(null)", w_ ? w_ : "(null)");                                    \
            failures++;                                                                         \
        }                                                                                       \
    } while (0)

/* Parse a NULL-terminated list of arguments (copied: the model may keep
 * pointers into them for the test's lifetime). */
static void parse(drv_cmd *cmd, const char *const *args)
{
    static char *v[64];
    int n = 0;
    while (args[n]) {
        v[n] = (char *)args[n];
        n++;
    }
    v[n] = NULL;
    if (drv_cmd_parse(cmd, n, v) != 0) {
        fprintf(stderr, "drv_cmd_parse failed\n");
        exit(1);
    }
}

/* The parse flags joined by spaces. */
static const char *joined_parse_args(const drv_cmd *cmd)
{
    static char buf[1024];
    buf[0] = '\0';
    for (int i = 0; i < cmd->nparse; i++) {
        if (i)
            strcat(buf, " ");
        strcat(buf, cmd->parse_args[i]);
    }
    return buf;
}

static void test_stages(void)
{
    static const struct {
        const char *args[6];
        drv_stage stage;
    } t[] = {
        {{"a.c", NULL}, DRV_STAGE_LINK},
        {{"-c", "a.c", NULL}, DRV_STAGE_COMPILE},
        {{"-S", "-c", "a.c", NULL}, DRV_STAGE_ASM},
        {{"-c", "-E", "a.c", NULL}, DRV_STAGE_PREPROCESS},
        {{"-fsyntax-only", "a.c", NULL}, DRV_STAGE_SYNTAX},
        {{"-M", "a.c", NULL}, DRV_STAGE_DEPS},
        {{"-MM", "-c", "a.c", NULL}, DRV_STAGE_DEPS},
        {{"-MD", "-c", "a.c", NULL}, DRV_STAGE_COMPILE},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        drv_cmd cmd;
        parse(&cmd, t[i].args);
        CHECK_INT(cmd.stage, t[i].stage);
        drv_cmd_free(&cmd);
    }
}

static void test_values_are_not_inputs(void)
{
    static const char *const args[] = {
        "-MT", "x.c", "-MF", "y.c", "-o", "z.c", "-include", "h.c", "-Xlinker", "w.c",
        "-MQ", "q.c", "-isystem", "s.c", "-L", "l.c", "-x", "c", "q.txt", "-c", "real.c", NULL};
    drv_cmd cmd;
    parse(&cmd, args);
    CHECK_INT(cmd.ninputs, 2);
    CHECK_STR(cmd.inputs[0].path, "q.txt");
    CHECK_INT(cmd.inputs[0].is_c, 1);
    CHECK_STR(cmd.inputs[1].path, "real.c");
    CHECK_INT(cmd.inputs[1].argi, 20);
    CHECK_STR(cmd.output, "z.c");
    CHECK_STR(cmd.dep_mf, "y.c");
    drv_cmd_free(&cmd);
}

static void test_languages(void)
{
    static const char *const args[] = {"-x", "c", "a.txt", "-x", "none", "b.txt", "c.c",
                                       "-xassembler", "d.c", "-x", "none", "-", "e.o",
                                       "f.i", "g.h", NULL};
    drv_cmd cmd;
    parse(&cmd, args);
    CHECK_INT(cmd.ninputs, 8);
    static const int want_c[] = {1, 0, 1, 0, 0, 0, 0, 0};
    for (int i = 0; i < cmd.ninputs && i < 8; i++)
        CHECK_INT(cmd.inputs[i].is_c, want_c[i]);
    drv_cmd_free(&cmd);
}

static void test_joined_forms(void)
{
    static const char *const args[] = {"-ofoo.o", "-MFdeps.d", "-Iinc", "-DX=1", "-std=c11",
                                       "-isystemsys", "-g", "-c", "a.c", NULL};
    drv_cmd cmd;
    parse(&cmd, args);
    CHECK_STR(cmd.output, "foo.o");
    CHECK_STR(cmd.dep_mf, "deps.d");
    CHECK_INT(cmd.debug, 1);
    CHECK_STR(joined_parse_args(&cmd), "-Iinc -DX=1 -std=c11 -isystemsys");
    CHECK_INT(cmd.ninputs, 1);
    drv_cmd_free(&cmd);
}

static void test_parse_args(void)
{
    static const char *const args[] = {
        "-I", "inc", "-D", "A=1", "-U", "B", "-iquote", "q", "-idirafter", "d", "-include",
        "pre.h", "--sysroot=/s", "--sysroot", "/t", "-nostdinc", "-O2", "-Wall", "-include-pch",
        "p.pch", "-imacros", "m.h", "-ansi", "-m32", "-pthread", "-g0", "-gcc-toolchain", "/x",
        "-c", "a.c", NULL};
    drv_cmd cmd;
    parse(&cmd, args);
    CHECK_STR(joined_parse_args(&cmd), "-I inc -D A=1 -U B -iquote q -idirafter d -include pre.h "
                                       "--sysroot=/s --sysroot /t -nostdinc -imacros m.h -ansi "
                                       "-m32 -pthread");
    CHECK_INT(cmd.ninputs, 1);
    CHECK_INT(cmd.debug, 0);
    drv_cmd_free(&cmd);
}

static void test_dependency_options(void)
{
    static const char *const a1[] = {"-Wp,-MMD,dir/.a.o.d", "-c", "a.c", NULL};
    drv_cmd cmd;
    parse(&cmd, a1);
    CHECK_INT(cmd.dep_md, 1);
    CHECK_STR(cmd.dep_mf, "dir/.a.o.d");
    drv_cmd_free(&cmd);
    static const char *const a2[] = {"-MMD", "-MP", "-MT", "t", "-c", "a.c", "-o", "o/a.o", NULL};
    parse(&cmd, a2);
    CHECK_INT(cmd.dep_md, 1);
    CHECK_STR(cmd.dep_mf, NULL);
    CHECK_STR(cmd.output, "o/a.o");
    CHECK_INT(cmd.stage, DRV_STAGE_COMPILE);
    drv_cmd_free(&cmd);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
        perror(path);
        exit(1);
    }
}

static void test_response_files(void)
{
    char outer[4096], inner[4096], arg[4200];
    snprintf(outer, sizeof outer, "%s/outer.rsp", scratch);
    snprintf(inner, sizeof inner, "%s/inner.rsp", scratch);
    snprintf(arg, sizeof arg, "-c \"sp ace.c\" -o 'o u t.o' @%s b\\ c.c", inner);
    write_file(outer, arg);
    write_file(inner, "-DX=\"q\"\n-MF\tdeps.d\n");
    snprintf(arg, sizeof arg, "@%s", outer);
    const char *const args[] = {"-O2", arg, "@missing-file", NULL};
    drv_cmd cmd;
    parse(&cmd, args);
    CHECK_INT(cmd.expanded, 1);
    CHECK_INT(cmd.nargs, 10);
    CHECK_INT(cmd.ninputs, 3);
    CHECK_STR(cmd.inputs[0].path, "sp ace.c");
    CHECK_STR(cmd.inputs[1].path, "b c.c");
    CHECK_STR(cmd.inputs[2].path, "@missing-file"); /* kept literally, as gcc does */
    CHECK_STR(cmd.output, "o u t.o");
    CHECK_STR(cmd.dep_mf, "deps.d");
    CHECK_STR(joined_parse_args(&cmd), "-DX=q");
    drv_cmd_free(&cmd);
}

static void test_compiler_names(void)
{
    static const char *const yes[] = {"cc", "gcc", "clang", "/usr/bin/gcc-12",
                                      "x86_64-linux-gnu-gcc", "x86_64-linux-gnu-gcc-12",
                                      "clang-19", "/usr/lib/ccache/cc", "c99", "/bin/sh", NULL};
    static const char *const no[] = {"foo.c", "-O2", "main.o", "libx.so.1", "prog", "@rsp",
                                     "/usr/lib/x86_64-linux-gnu/libc.so.6", "ccache", "notcc",
                                     NULL};
    for (const char *const *p = yes; *p; p++)
        if (!drv_is_compiler(*p)) {
            fprintf(stderr, "drv_is_compiler(\"%s\") is 0, expected 1\n", *p);
            failures++;
        }
    for (const char *const *p = no; *p; p++)
        if (drv_is_compiler(*p)) {
            fprintf(stderr, "drv_is_compiler(\"%s\") is 1, expected 0\n", *p);
            failures++;
        }
    CHECK_INT(drv_is_compiler_wrapper("/usr/bin/ccache"), 1);
    CHECK_INT(drv_is_compiler_wrapper("gcc"), 0);
}

static void test_prefilter(void)
{
    static const struct {
        const char *text;
        int want;
    } t[] = {
        {"int x;\n", 0},
        {"int x; // durable functions live elsewhere\n", 0},
        {"/* await(x) */ int y;\n", 0},
        {"const char *s = \"await durable\";\n", 0},
        {"char c = '\"'; int awaited, my_durable, x_await;\n", 0},
        {"// a comment \\\n durable continued on the next line\n", 0},
        {"int x = await(f());\n", 1},
        {"durable int f(void);\n", 1},
        {"#include <durable.h>\n", 1},
        {"void g(void) { durable_start(rt, \"id\", f(1)); }\n", 1},
        {"int a = 0x1await;\nint b = await;\n", 1},
        {"/* unterminated comment durable", 0},
        {"\"unterminated string\n durable_x\n", 1},
    };
    char path[4096];
    snprintf(path, sizeof path, "%s/prefilter.c", scratch);
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        write_file(path, t[i].text);
        int got = drv_mentions_durable(path);
        if (got != t[i].want) {
            fprintf(stderr, "drv_mentions_durable on \"%s\" is %d, expected %d\n", t[i].text, got,
                    t[i].want);
            failures++;
        }
    }
    CHECK_INT(drv_mentions_durable("/nonexistent/file.c"), 0);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fputs("usage: model_test CASE SCRATCH_DIR\n", stderr);
        return 2;
    }
    scratch = argv[2];
    static const struct {
        const char *name;
        void (*fn)(void);
    } cases[] = {
        {"stages", test_stages},
        {"values_are_not_inputs", test_values_are_not_inputs},
        {"languages", test_languages},
        {"joined_forms", test_joined_forms},
        {"parse_args", test_parse_args},
        {"dependency_options", test_dependency_options},
        {"response_files", test_response_files},
        {"compiler_names", test_compiler_names},
        {"prefilter", test_prefilter},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        if (strcmp(argv[1], cases[i].name) == 0) {
            cases[i].fn();
            if (failures)
                fprintf(stderr, "FAIL [%s]: %d check(s)\n", argv[1], failures);
            return failures ? 1 : 0;
        }
    }
    fprintf(stderr, "model_test: unknown case %s\n", argv[1]);
    return 2;
}
