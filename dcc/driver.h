/*
 * driver.h — dcc's compiler-driver layer: a model of a C compiler command
 * line, the pre-filter that decides which inputs need the translator,
 * private temporary files, running the real compiler, and dependency-file
 * repair.
 *
 * It knows gcc/clang command-line conventions and POSIX processes.  It does
 * not know libclang or durable semantics: main.c glues this layer to the
 * translator (translate.h).  Nothing here includes clang-c headers.
 */
#ifndef DCC_DRIVER_H
#define DCC_DRIVER_H

#include <stddef.h>
#include <stdio.h>

/* How far the real compiler goes, as gcc decides it: when several stage
 * flags are given the later enumerator wins (-E beats -S beats -c). */
typedef enum drv_stage {
    DRV_STAGE_LINK = 0, /* no stage flag: compile and link */
    DRV_STAGE_COMPILE,  /* -c */
    DRV_STAGE_ASM,      /* -S */
    DRV_STAGE_SYNTAX,   /* -fsyntax-only */
    DRV_STAGE_PREPROCESS, /* -E */
    DRV_STAGE_DEPS      /* -M or -MM: dependency list only (implies -E) */
} drv_stage;

/* One positional input of the command line. */
typedef struct drv_input {
    int argi;          /* its index in drv_cmd.args */
    const char *path;  /* == args[argi]; "-" is standard input */
    int is_c;          /* a C source file (by -x c or a .c suffix), not stdin */
} drv_input;

/* A parsed compiler command line.  Every string is borrowed from argv or
 * from an expanded response file owned by the model; drv_cmd_free releases
 * what the model allocated. */
typedef struct drv_cmd {
    char **args;       /* the compiler arguments, no argv[0], NULL-terminated */
    int nargs;
    int expanded;      /* args came from expanding @response files */

    drv_input *inputs;
    int ninputs;

    drv_stage stage;
    const char *output;   /* -o's value, or NULL */
    int dep_md;           /* -MD or -MMD (or -Wp,-MD,f / -Wp,-MMD,f) */
    const char *dep_mf;   /* -MF's value, or -Wp,-M[M]D's file, or NULL */
    int debug;            /* a -g flag other than -g0 */

    /* Flags that change how a file parses, in order, for the translator:
     * -I -D -U -std= -ansi -isystem -iquote -idirafter -include -imacros
     * --sysroot -isysroot -nostdinc -undef -m32/-m64 -f[un]signed-char
     * -pthread, in both joined and separate forms. */
    const char **parse_args;
    int nparse;

    /* Storage owned by the model. */
    char **owned;
    int nowned;
} drv_cmd;

/* Parse the compiler arguments argv[0..argc) (no program name).  Response
 * files (@file) are expanded for the model; a missing one stays a literal
 * argument, as gcc treats it.  Returns 0, or -1 with a message on stderr
 * (out of memory, unreadable response file); on failure *cmd is freed. */
int drv_cmd_parse(drv_cmd *cmd, int argc, char **argv);
void drv_cmd_free(drv_cmd *cmd);

/* The fast pre-filter: 1 if the text of the file at `path`, outside
 * comments and string literals, contains the identifier `await` or an
 * identifier starting with `durable` (a false positive only costs a
 * translator run; headers are not read: a file whose durable code is all
 * behind a macro from a header must mention durable itself), else 0.  A file that cannot be read gives 0: the real compiler will then
 * report it exactly as it would without dcc. */
int drv_mentions_durable(const char *path);

/* 1 if `word` (argv[1] of a launcher invocation) names a C compiler:
 * a basename like cc, gcc, clang, c99, gcc-12, x86_64-linux-gnu-gcc,
 * clang-19, or else an executable file that is not a recognisable input. */
int drv_is_compiler(const char *word);
/* 1 for compiler wrappers that take the compiler as their next argument
 * (ccache, sccache, distcc). */
int drv_is_compiler_wrapper(const char *word);

/* ---- Temporary files (driver_proc.c) ----
 * One private directory per dcc run, made with mkdtemp under $TMPDIR (or
 * /tmp when $TMPDIR is unset or holds characters that make cannot spell
 * in a dependency file).  Every file is registered before it is created,
 * and drv_tmp_cleanup removes all of them.  It also runs from signal
 * handlers, which then re-raise the signal: SIGINT, SIGTERM, SIGHUP and
 * SIGQUIT (first forwarded to a running compiler), and the faults SIGSEGV,
 * SIGBUS, SIGABRT, SIGFPE and SIGILL of dcc itself (say, in libclang). */

/* Reserve room for `nfiles` files and create the directory.  Installs the
 * signal handlers.  Returns 0 or -1 (message on stderr). */
int drv_tmp_open(int nfiles);
/* A new path <dir>/<n>/<basename>, n counting calls, with the directory
 * <dir>/<n> created, so the file keeps the input's own basename (the
 * compiler derives default output and .d names from it) and two inputs
 * with one basename do not collide.  The file itself is not created.
 * Returns a string owned by the tmp module, or NULL (message on stderr). */
const char *drv_tmp_path(const char *basename);
/* Remove every registered file and directory.  Safe to call twice. */
void drv_tmp_cleanup(void);

/* ---- Processes (driver_proc.c) ---- */

/* Replace this process with argv[0] searched on PATH.  Returns only on
 * failure, with a message on stderr. */
void drv_exec(char *const argv[]);
/* Run argv and wait.  Signals that arrive meanwhile are forwarded to the
 * child.  Returns the wait status, or -1 if it could not start (message
 * on stderr). */
int drv_run(char *const argv[]);
/* Turn a wait status into dcc's own exit: the child's exit code, or, if it
 * died from a signal, clean up and die from the same signal. */
int drv_exit_status(int status);
/* Print argv to stderr as a shell would need it quoted, when DCC_VERBOSE
 * is set to a non-empty value other than 0. */
void drv_trace(const char *what, char *const argv[]);
int drv_verbose(void);
/* Block (on = 1) the signals dcc cleans up after, around a short critical
 * section, then restore (0) the mask from before.  Does not nest. */
void drv_signals_block(int on);

/* ---- Dependency files and line markers (driver_deps.c) ---- */

/* After compiling the translated copy `tmp_path` of the user's source
 * `orig` with -MD/-MMD: in the dependency file the compiler wrote (-MF, or
 * the name gcc or clang derive from -o or the input), replace the copy's
 * directory with the original's, so the rule names `orig`.  The compiler
 * already named the target as the user expects: the copy keeps the
 * original basename and dcc passes the user's -o/-MT/-MQ unchanged.
 * The rewrite is atomic (write + rename).  Returns 0 (also when there is
 * no dependency file or nothing to change), or -1 with a message on
 * stderr, leaving that file as it was. */
int drv_deps_fix(const drv_cmd *cmd, const char *orig, const char *tmp_path);
/* After -E of the translated copy `tmp_path`: make the line markers in the
 * preprocessed output at `path` (`# 1 "<tmp>/<n>/foo.c"`) name `orig`'s
 * directory, so the output is what preprocessing `orig` would name and the
 * same on every run.  With `dest`, the fixed text goes there (for output
 * dcc captured on the user's behalf); else `path` is rewritten atomically.
 * Returns 0 or -1 (message on stderr). */
int drv_markers_fix(const char *path, const char *orig, const char *tmp_path, FILE *dest);

/* ---- Translate and emit modes (driver_translate.c) ----
 * The only part of the driver that calls the translator (translate.h). */

/* --emit-c/-dot/-json (kind is a dcc_emit_kind): translate cmd's one input
 * to standard output or -o; --emit-c of a file without durable code prints
 * the file.  Returns the exit code; a refused input leaves no -o file. */
int drv_emit(const drv_cmd *cmd, int kind);
/* The translate mode: translate the inputs marked in want[0..ninputs)
 * (nwant of them) into private copies — every refused one is reported,
 * then dcc stops with 1 — run the compiler cc[0..ncc) once on the user's
 * arguments with the copies in place, fix dependency files and -E output,
 * remove the copies.  With `keep`, each copy is also left as <stem>.dcc.c
 * beside the output.  Returns the exit code, or does not return when the
 * compiler is killed by a signal (dcc then dies from the same one). */
int drv_translate_and_compile(char **cc, int ncc, const drv_cmd *cmd, const int *want, int nwant,
                              int keep);

/* ---- Small helpers ---- */
void *drv_xmalloc(size_t n);         /* exits 2 with a message when out of memory */
char *drv_xstrdup(const char *s);
char *drv_xasprintf(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;
const char *drv_basename(const char *path); /* pointer into path */
char *drv_dirname(const char *path);        /* malloc'd; "." when none */

#endif
