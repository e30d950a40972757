/* bench_sim.c: placeholder until the sim benchmark lands; it reports that it is missing. */
#include "bench.h"
#include <stdio.h>
int bench_sim_main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "rast-bench sim: not implemented yet\n");
    return 2;
}
