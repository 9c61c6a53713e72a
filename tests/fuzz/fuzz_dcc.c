/*
 * fuzz_dcc.c — libFuzzer target for dcc's front end: the input is written to
 * a .c file and translated in-process by dcc_translate (dcc/translate.h), the
 * translator dcc-translate runs, libclang included.  It must translate the
 * file or refuse it (DCC_OK, DCC_EUSER) — never crash, read out of bounds or
 * report an internal error (DCC_EINTERNAL: a bug by dcc's own contract).
 * Headers of the e2e and feature tests are on the include path, so seeds
 * copied from there parse as they do in the tests.  Only dcc's own code is
 * instrumented for coverage; libclang is a system library.
 */
#include "translate.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[128], path[256];
static FILE *sink;

static void cleanup(void)
{
    unlink(path);
    rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/fuzz_dcc.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) {
        perror("fuzz_dcc: mkdtemp");
        exit(1);
    }
    snprintf(path, sizeof path, "%s/input.c", dir);
    atexit(cleanup);
    sink = fopen("/dev/null", "w");
    if (!sink) {
        perror("fuzz_dcc: /dev/null");
        exit(1);
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0) {
        perror("fuzz_dcc: writing the input");
        exit(1);
    }
    static const char *const args[] = {"-I" FUZZ_SOURCE_DIR "/runtime/include", "-I" FUZZ_SOURCE_DIR "/tests/e2e",
                                       "-I" FUZZ_SOURCE_DIR "/tests/features"};
    dcc_translate_opts t = {path, args, (int)(sizeof args / sizeof *args)};
    int changed = 0;
    int rc = dcc_translate(&t, sink, &changed);
    if (rc != DCC_OK && rc != DCC_EUSER) {
        fprintf(stderr, "fuzz_dcc: dcc_translate returned %d (internal error)\n", rc);
        __builtin_trap();
    }
    return 0;
}
