/*
 * fuzz_feature.c: where protocol-state features go in each flavour (see fuzz.h), and the
 * finding trap.
 *
 * libFuzzer: a byte array in the section __libfuzzer_extra_counters. libFuzzer finds it
 * through the linker's __start_/__stop_ symbols, clears it before every input and treats
 * each (counter, hit-count bucket) like an edge: an input that reaches a new one is kept.
 *
 * AFL++: there is no separate feature map, and the edge map is exactly as large as the
 * instrumented program needs (writing past it is out of bounds; hashing features into it
 * collides with real edges). So each feature *is* an edge: fuzz_afl_edge() is a switch with
 * one case per feature id, each case a basic block of its own (a distinct inline-asm comment
 * keeps the optimizer from merging or folding them; optnone keeps the 2,048-case switch
 * cheap to compile), which the instrumentation gives its own map slot. AFL++ counts and
 * buckets the hits like any edge and clears them between inputs.
 *
 * Replay: a local table, so `replay --features` can count the distinct features a corpus
 * reaches (the same ids, without the fuzzer).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

#if defined(FUZZ_FLAVOUR_LIBFUZZER)
__attribute__((section("__libfuzzer_extra_counters"),
               used)) static uint8_t fuzz_counters[FUZZ_FEATURES_COUNT];
#elif defined(FUZZ_FLAVOUR_AFL)
/* clang-format off */
#define F1(n) \
    case n: __asm__ volatile("# rast fuzz feature " #n); break;
#define F16(p)                                                                             \
    F1(p##0) F1(p##1) F1(p##2) F1(p##3) F1(p##4) F1(p##5) F1(p##6) F1(p##7) F1(p##8)       \
    F1(p##9) F1(p##a) F1(p##b) F1(p##c) F1(p##d) F1(p##e) F1(p##f)
#define F256(p)                                                                            \
    F16(p##0) F16(p##1) F16(p##2) F16(p##3) F16(p##4) F16(p##5) F16(p##6) F16(p##7)        \
    F16(p##8) F16(p##9) F16(p##a) F16(p##b) F16(p##c) F16(p##d) F16(p##e) F16(p##f)
#if defined(__clang__)
#define FUZZ_NO_OPT __attribute__((noinline, optnone))
#else
#define FUZZ_NO_OPT __attribute__((noinline, optimize("O0")))
#endif
_Static_assert(FUZZ_FEATURES_COUNT == 2048u, "one case per feature id");

FUZZ_NO_OPT static void fuzz_afl_edge(uint32_t id)
{
    switch (id) {
        F256(0x0) F256(0x1) F256(0x2) F256(0x3) F256(0x4) F256(0x5) F256(0x6) F256(0x7)
    default: break;
    }
}
/* clang-format on */
#else
static uint8_t fuzz_counters[FUZZ_FEATURES_COUNT];
static uint8_t fuzz_seen[FUZZ_FEATURES_COUNT];
#endif

void fuzz_features_reset(void)
{
#if !defined(FUZZ_FLAVOUR_LIBFUZZER) && !defined(FUZZ_FLAVOUR_AFL) /* the fuzzers clear theirs */
    memset(fuzz_counters, 0, sizeof fuzz_counters);
#endif
}

void fuzz_feature_hit(uint32_t id)
{
    id %= FUZZ_FEATURES_COUNT;
#if defined(FUZZ_FLAVOUR_AFL)
    fuzz_afl_edge(id);
#else
    if (fuzz_counters[id] != UINT8_MAX)
        fuzz_counters[id]++;
#if !defined(FUZZ_FLAVOUR_LIBFUZZER)
    fuzz_seen[id] = 1;
#endif
#endif
}

bool fuzz_features_on(void)
{
    static int on = -1;
    if (on < 0) {
        const char *v = getenv("RAST_FUZZ_FEATURES");
        on = v == NULL || strcmp(v, "0") != 0;
    }
    return on != 0;
}

const uint8_t *fuzz_features_counts(void)
{
#if !defined(FUZZ_FLAVOUR_LIBFUZZER) && !defined(FUZZ_FLAVOUR_AFL)
    return fuzz_counters;
#else
    return NULL;
#endif
}

uint32_t fuzz_features_distinct(void)
{
    uint32_t n = 0;
#if !defined(FUZZ_FLAVOUR_LIBFUZZER) && !defined(FUZZ_FLAVOUR_AFL)
    for (uint32_t i = 0; i < FUZZ_FEATURES_COUNT; i++)
        n += fuzz_seen[i];
#endif
    return n;
}

void fuzz_found(const char *what, const char *detail)
{
    fprintf(stderr, "fuzz: FOUND %s: %s\n", what, detail);
    fflush(stderr);
    __builtin_trap();
}
