/*
 * afl_main.c: the main every harness links in the AFL++ flavour: persistent mode with the
 * test case in shared memory, so one process runs many inputs (no fork, no exec, no file I/O
 * per input). Build with afl-clang-fast or afl-cc (they define the __AFL_* macros); run as
 *
 *   afl-fuzz -i corpus/<target> -o OUT -x fuzz/<target>.dict -- build-fuzz-afl/fuzz/fuzz_<target>
 *
 * Harnesses reset their own state per input (fuzz.h), so a long loop is safe; the loop count
 * only bounds how long one process lives (a slow leak or heap growth cannot accumulate
 * forever). Without afl-fuzz (no shared memory), the macros read one input from stdin, so
 * `fuzz_<target> < file` reproduces a crash.
 */
#define _POSIX_C_SOURCE 200809L
#include <stddef.h>
#include <stdint.h>
#include <unistd.h> /* read(): the macros fall back to stdin */

#include "fuzz.h"

#ifndef __AFL_FUZZ_TESTCASE_LEN
#error "build the AFL++ flavour with afl-clang-fast or afl-cc (meson -Dfuzzing=afl)"
#endif

#define AFL_LOOP_INPUTS 100000

__AFL_FUZZ_INIT();

int main(int argc, char **argv)
{
    if (LLVMFuzzerInitialize != NULL)
        (void)LLVMFuzzerInitialize(&argc, &argv);
#ifdef __AFL_HAVE_MANUAL_CONTROL
    __AFL_INIT();
#endif
    const uint8_t *buf = __AFL_FUZZ_TESTCASE_BUF;
    while (__AFL_LOOP(AFL_LOOP_INPUTS)) {
        size_t len = (size_t)__AFL_FUZZ_TESTCASE_LEN;
        (void)LLVMFuzzerTestOneInput(buf, len);
    }
    return 0;
}
