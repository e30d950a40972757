/*
 * fuzz.h: what every harness in fuzz/ shares: the libFuzzer entry points, and the feature
 * counters through which a harness rewards states of the system under test, not only code
 * edges (docs/fuzzing.md, "Protocol-state features").
 *
 * One harness source builds three ways (STYLE.md, convention 10); the flavour is a macro set
 * by fuzz/meson.build:
 *   FUZZ_FLAVOUR_LIBFUZZER  linked with -fsanitize=fuzzer; features go to libFuzzer's extra
 *                           counters (the __libfuzzer_extra_counters section);
 *   FUZZ_FLAVOUR_AFL        built with afl-clang-fast/afl-cc around fuzz/afl_main.c
 *                           (persistent mode); each feature is an instrumented edge;
 *   (neither)               the replay program fuzz/replay_main.c; features go to a local
 *                           table that `--features` summarizes.
 * A harness reports a finding by trapping (fuzz_found), which every flavour records as a
 * crash. Nothing else in a harness may abort on its input.
 */
#ifndef RAST_FUZZ_H
#define RAST_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The harness: runs one input. Always returns 0 (libFuzzer's contract). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* Optional, called once before the first input; may be absent (weak). */
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

/* Feature ids are 0 .. FUZZ_FEATURES_COUNT - 1; larger ids wrap around. No larger than the
 * harnesses use (cluster 1,584, check 96): libFuzzer clears and scans every counter after
 * every input, and in the AFL++ flavour each id is a slot of the edge map. */
#define FUZZ_FEATURES_COUNT 2048u

/* Starts an input: forgets the counts of the previous one. Harnesses that report features
 * call it first thing in LLVMFuzzerTestOneInput. */
void fuzz_features_reset(void);

/* Counts one occurrence of feature id in the current input (saturating at 255). Cheap: one
 * byte increment. Harnesses call it only while features are enabled (fuzz_features_on). */
void fuzz_feature_hit(uint32_t id);

/* Features are on unless the environment says RAST_FUZZ_FEATURES=0 (read once). The switch
 * exists to measure what the features buy (docs/fuzzing.md). */
bool fuzz_features_on(void);

/* Replay flavour only: the current input's count per feature id (FUZZ_FEATURES_COUNT of
 * them); NULL in the fuzzer flavours. */
const uint8_t *fuzz_features_counts(void);

/* Replay flavour only: how many distinct features the inputs run so far have hit. */
uint32_t fuzz_features_distinct(void);

/* A finding: prints "fuzz: FOUND <what>: <detail>" on stderr, then traps. */
__attribute__((noreturn)) void fuzz_found(const char *what, const char *detail);

#endif /* RAST_FUZZ_H */
