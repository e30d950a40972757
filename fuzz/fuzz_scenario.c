/*
 * fuzz_scenario.c: fuzzes the scenario language (sim/include/rast_scenario.h,
 * docs/scenarios.md): its parser, its rewriter, and a short run of what parses.
 *
 * For any input, parsing returns 0, RAST_SCENARIO_E_PARSE with a message, or E_NOMEM: never a
 * crash, never a read past the input. For a scenario that parses, these must hold, else the
 * harness traps:
 *  - command_at() answers for every index below command_count() and refuses the next one;
 *  - rewrite without a run gives text that parses to the same commands and expectations;
 *  - a run (of scenarios of at most FUZZ_SCENARIO_RUN_COMMANDS_MAX commands, bounded to
 *    FUZZ_SCENARIO_ROUNDS_MAX tick rounds) ends; it prints no
 *    "violation ..." line (the world keeps the fault model, so a broken Raft invariant is a
 *    bug of core/ or of the world) and stops with no core error ("crash: ..."), except for
 *    running out of memory;
 *  - after the run, rewrite gives text that parses, and each command's expectation there is
 *    the output it produced ("any output can be written back as an expectation").
 * `replay` commands get no loader: they print an error line, and load nothing.
 * No state survives an iteration.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "rast_scenario.h"

#define FUZZ_SCENARIO_ROUNDS_MAX       2000u
#define FUZZ_SCENARIO_RUN_COMMANDS_MAX 64u

static struct rast_scenario *fuzz_parse(const char *text, size_t size)
{
    struct rast_scenario *s = NULL;
    char err[512];
    err[0] = 0;
    int rc = rast_scenario_parse(text, size, "fuzz.scn", &s, err, sizeof err);
    if (rc == 0 && s == NULL)
        fuzz_found("scenario parse", "returned 0 without a scenario");
    if (rc == RAST_SCENARIO_E_PARSE && (s != NULL || err[0] == 0))
        fuzz_found("scenario parse", "a parse error without a message (or with a scenario)");
    if (rc != 0 && rc != RAST_SCENARIO_E_PARSE && rc != RAST_SCENARIO_E_NOMEM)
        fuzz_found("scenario parse", "an undocumented return code");
    return rc == 0 ? s : NULL;
}

static void fuzz_commands_sane(const struct rast_scenario *s)
{
    struct rast_scenario_command c;
    uint32_t count = rast_scenario_command_count(s);
    if (count > RAST_SCENARIO_COMMANDS_MAX)
        fuzz_found("scenario", "more commands than RAST_SCENARIO_COMMANDS_MAX");
    for (uint32_t i = 0; i < count; i++)
        if (!rast_scenario_command_at(s, i, &c) || c.line == 0)
            fuzz_found("scenario", "command_at refuses an index below command_count");
    if (rast_scenario_command_at(s, count, &c))
        fuzz_found("scenario", "command_at answers past command_count");
}

static bool same_bytes(const char *a, size_t a_size, const char *b, size_t b_size)
{
    return a_size == b_size && (a_size == 0 || memcmp(a, b, a_size) == 0);
}

/* rewrite(s) parses back; each command keeps its text, and its expectation becomes the
 * output it produced (or stays the expectation when it did not run). */
static void fuzz_rewrite(const struct rast_scenario *s, const char *what)
{
    char *text = NULL;
    size_t size = 0;
    if (rast_scenario_rewrite(s, &text, &size) != 0)
        return; /* out of memory */
    struct rast_scenario *again = fuzz_parse(text, size);
    if (again == NULL) {
        fprintf(stderr, "rewritten text:\n%.*s\n", (int)size, text);
        fuzz_found(what, "the rewritten scenario does not parse");
    }
    uint32_t count = rast_scenario_command_count(s);
    if (rast_scenario_command_count(again) != count)
        fuzz_found(what, "the rewritten scenario has another number of commands");
    for (uint32_t i = 0; i < count; i++) {
        struct rast_scenario_command a, b;
        (void)rast_scenario_command_at(s, i, &a);
        (void)rast_scenario_command_at(again, i, &b);
        const char *want = a.actual != NULL ? a.actual : a.expected;
        size_t want_size = a.actual != NULL ? a.actual_size : a.expected_size;
        if (!same_bytes(a.text, a.text_size, b.text, b.text_size) ||
            !same_bytes(want, want_size, b.expected, b.expected_size)) {
            fprintf(stderr, "command %u (line %u): %.*s\nwanted:\n%.*s\ngot:\n%.*s\n", i, a.line,
                    (int)a.text_size, a.text, (int)want_size, want, (int)b.expected_size,
                    b.expected);
            fuzz_found(what, "a command or its output changed through rewrite");
        }
    }
    rast_scenario_free(again);
    free(text);
}

/* A line starting with prefix in text[0..size). */
static bool has_line(const char *text, size_t size, const char *prefix)
{
    size_t n = strlen(prefix);
    for (size_t i = 0; i + n <= size; i++)
        if ((i == 0 || text[i - 1] == '\n') && memcmp(text + i, prefix, n) == 0)
            return true;
    return false;
}

static void fuzz_run(struct rast_scenario *s)
{
    struct rast_scenario_env env = { .rounds_max = FUZZ_SCENARIO_ROUNDS_MAX };
    struct rast_scenario_result r;
    (void)rast_scenario_run(s, &env, &r);
    if (r.verdict == RAST_SCENARIO_CRASH && strstr(r.crash, "out of memory") == NULL)
        fuzz_found("scenario run: core error", r.crash);
    for (uint32_t i = 0; i < r.commands_run; i++) {
        struct rast_scenario_command c;
        if (rast_scenario_command_at(s, i, &c) && c.actual != NULL &&
            has_line(c.actual, c.actual_size, "violation ")) {
            fprintf(stderr, "command %u (line %u): %.*s\n%.*s", i, c.line, (int)c.text_size, c.text,
                    (int)c.actual_size, c.actual);
            fuzz_found("scenario run: invariant violation", "see the command above");
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct rast_scenario *s = fuzz_parse((const char *)data, size);
    if (s == NULL)
        return 0;
    fuzz_commands_sane(s);
    fuzz_rewrite(s, "rewrite before a run");
    if (rast_scenario_command_count(s) <= FUZZ_SCENARIO_RUN_COMMANDS_MAX) {
        fuzz_run(s);
        fuzz_rewrite(s, "rewrite after a run");
    }
    rast_scenario_free(s);
    return 0;
}
