/*
 * rast_assert.h: ASSERT for librast's own invariants. On in every build (it does not depend on
 * NDEBUG): a broken invariant is a bug in rast, and the simulator must see it as a crash.
 * Never use it on input from the network, the disk or the caller: that is an error code.
 */
#ifndef RAST_CORE_ASSERT_H
#define RAST_CORE_ASSERT_H

#include <stdio.h>
#include <stdlib.h>

#define ASSERT(cond)                                                                               \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "rast: assertion failed: %s (%s:%d)\n", #cond, __FILE__, __LINE__);    \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

#endif /* RAST_CORE_ASSERT_H */
