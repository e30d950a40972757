/*
 * rast_scenario.h: rast's scenario language (docs/scenarios.md): parse a scenario file, run
 * it against a deterministic cluster of librast nodes, compare each command's output with
 * the expected output the file holds, and regenerate the file with the actual outputs
 * (--rewrite).
 *
 * A scenario file is a sequence of blocks, in the style of etcd-raft's datadriven tests:
 *
 *     # comment lines (what the scenario reproduces and why)
 *     command arg key=value ...
 *     ----
 *     exact expected output, one or more lines (none for an empty output)
 *     <blank line>
 *
 * Life of a scenario: rast_scenario_parse() -> rast_scenario_run() (fills the actual
 * outputs) -> rast_scenario_command() to compare, rast_scenario_rewrite() to regenerate ->
 * rast_scenario_free(). A scenario may be run more than once; each run starts from nothing.
 *
 * Limits (all checked; exceeding one is a parse error, never a crash): the file is at most
 * RAST_SCENARIO_BYTES_MAX bytes, a line at most RAST_SCENARIO_LINE_BYTES_MAX bytes, at most
 * RAST_SCENARIO_COMMANDS_MAX commands, numbers fit in 64 bits and in the range each argument
 * documents. Parsing never asserts and never reads past text + size, whatever the bytes.
 *
 * Determinism: a run depends only on the file (and on the bytes of any choice log a `replay`
 * command loads through the caller's loader). No clock, no environment, no file I/O here.
 * Threads: a struct rast_scenario is used by one thread at a time; distinct ones are
 * independent.
 */
#ifndef RAST_SCENARIO_H
#define RAST_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define RAST_SCENARIO_BYTES_MAX (4u << 20)
#define RAST_SCENARIO_LINE_BYTES_MAX 1024u
#define RAST_SCENARIO_COMMANDS_MAX 4096u
#define RAST_SCENARIO_OUTPUT_BYTES_MAX (64u << 10) /* per command; longer output is cut */

enum rast_scenario_error {
    RAST_SCENARIO_OK = 0,
    RAST_SCENARIO_E_PARSE = -1, /* the text is not a valid scenario; err says where and why */
    RAST_SCENARIO_E_NOMEM = -2,
    RAST_SCENARIO_E_INVALID = -3, /* a NULL argument */
};

struct rast_scenario;

/* Parses size bytes of text (need not be NUL-terminated; may hold any bytes). file_name is
 * only used in error messages and may be NULL ("<input>"). On success *out owns a new
 * scenario (release it with rast_scenario_free) and 0 is returned. On a parse error returns
 * RAST_SCENARIO_E_PARSE and writes "FILE:LINE: expected ..., got ..." into err (always
 * NUL-terminated when err_size > 0); *out is NULL. */
int rast_scenario_parse(const char *text, size_t size, const char *file_name,
                        struct rast_scenario **out, char *err, size_t err_size);

/* Releases s (NULL is fine). */
void rast_scenario_free(struct rast_scenario *s);

/* Loads the file a `replay` command names. path is the argument as written in the scenario
 * (relative paths are the loader's business: the CLI resolves them against the scenario's
 * directory). On success returns 0 and sets *data (allocated with malloc; the runner frees
 * it with free) and *size. Any other return value means "cannot load". */
typedef int (*rast_scenario_load_fn)(void *ctx, const char *path, uint8_t **data,
                                     size_t *size);
/* Called before command index (0-based) runs; lets a CLI name the command in a crash report. */
typedef void (*rast_scenario_progress_fn)(void *ctx, uint32_t index);

struct rast_scenario_env {
    rast_scenario_load_fn load; /* NULL: `replay` prints an error line */
    void *load_ctx;
    rast_scenario_progress_fn progress; /* may be NULL */
    void *progress_ctx;
    uint64_t rounds_max; /* total tick rounds a run may take; 0: 1,000,000 */
};

enum rast_scenario_verdict {
    RAST_SCENARIO_PASS = 0,     /* every actual output equals the expected one */
    RAST_SCENARIO_MISMATCH = 1, /* at least one output differs */
    RAST_SCENARIO_CRASH = 4,    /* the core failed (an error from rast_step) or out of memory */
};

struct rast_scenario_result {
    uint8_t verdict;        /* enum rast_scenario_verdict */
    uint32_t commands_run;  /* a crash stops the run */
    uint32_t mismatches;
    uint32_t first_mismatch; /* command index, when mismatches > 0 */
    char crash[320];        /* why, when verdict is CRASH */
};

/* Runs every command of s from a fresh world, storing each command's actual output in s.
 * env may be NULL. Returns the verdict (also in *result when result is not NULL). */
int rast_scenario_run(struct rast_scenario *s, const struct rast_scenario_env *env,
                      struct rast_scenario_result *result);

/* One command, as parsed and (after a run) as it ran. Pointers stay valid until s is freed
 * or run again. Texts are not NUL-terminated: use the sizes. Outputs end with '\n' unless
 * empty. */
struct rast_scenario_command {
    uint32_t line; /* 1-based line of the command in the file */
    const char *text;
    size_t text_size;
    const char *expected;
    size_t expected_size;
    const char *actual; /* NULL when the command did not run */
    size_t actual_size;
};

uint32_t rast_scenario_command_count(const struct rast_scenario *s);
/* Fills *c for command index (< rast_scenario_command_count). False when out of range. */
bool rast_scenario_command_at(const struct rast_scenario *s, uint32_t index,
                              struct rast_scenario_command *c);

/* The file's text with every command's expected output replaced by its actual output (a
 * command that did not run keeps its expected output); comments and blank lines are kept.
 * *text_out is allocated with malloc (the caller frees it). Returns 0 or
 * RAST_SCENARIO_E_NOMEM. */
int rast_scenario_rewrite(const struct rast_scenario *s, char **text_out, size_t *size_out);

#ifdef __cplusplus
}
#endif

#endif /* RAST_SCENARIO_H */
