/*
 * simd.h: whether the checker compiles its SSE2 paths (check/jepsen_fast.c's string scan,
 * check/witness.c's substring search). Each has a portable fallback, which every target
 * without SSE2 takes; RAST_CHECK_NO_SIMD makes an SSE2 target take it too, so that the
 * tests exercise the fallbacks (.ci/run builds and tests the checker that way).
 */
#ifndef RAST_CHECK_SIMD_H
#define RAST_CHECK_SIMD_H

#if defined(__SSE2__) && !defined(RAST_CHECK_NO_SIMD)
#define CHECK_SSE2 1
#include <emmintrin.h>
#else
#define CHECK_SSE2 0
#endif

#endif /* RAST_CHECK_SIMD_H */
