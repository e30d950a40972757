/*
 * sim.h: the inside of a struct rast_sim (rast_sim.h keeps it opaque), for sim.c and for
 * the unit tests, which see sim's internal headers.
 */
#ifndef SIM_SIM_H
#define SIM_SIM_H

#include "cluster.h"

struct rast_check_memory;

struct rast_sim {
    struct cluster cluster;
    struct rast_check_memory *check_memory; /* the checker's, from run to run (NULL: none) */
};

#endif /* SIM_SIM_H */
