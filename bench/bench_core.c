/* bench_core.c: placeholder until the core benchmark lands; it reports that it is missing. */
#include "bench.h"
#include <stdio.h>
int bench_core_main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "rast-bench core: not implemented yet\n");
    return 2;
}
