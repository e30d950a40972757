/*
 * result.h: what rast_check_run returns (struct rast_check_result), shared by the driver
 * (run.c) and the reports (report.c, html.c).
 *
 * Invariants: part_state[i] says what partition i's last search decided; outs[i] is that
 * search's output (valid unless the partition is UNDECIDED). When the verdict is
 * NOT_LINEARIZABLE, fail_part is a partition in state FAILED; when it is UNKNOWN, the lowest
 * partition in state UNKNOWN. checked counts LINEARIZABLE partitions. Nothing here depends on
 * the number of jobs or on timing.
 */
#ifndef RAST_CHECK_RESULT_H
#define RAST_CHECK_RESULT_H

#include "search.h"

enum run_part_state {
    RUN_PART_UNDECIDED = 0,     /* not searched, or only with a smaller budget */
    RUN_PART_LINEARIZABLE = 1,
    RUN_PART_FAILED = 2,
    RUN_PART_UNKNOWN = 3,       /* out of memo bytes, or of the maximum step budget */
};

struct rast_check_result {
    struct plan plan;
    uint32_t model;
    uint32_t verdict;
    uint32_t reason;
    uint32_t checked;
    uint32_t fail_part;
    uint64_t steps;
    uint64_t memo_bytes_peak;
    uint64_t budget_steps_max;
    uint64_t memo_bytes_max;
    char initial_text[128];
    struct search_out *outs;     /* one per partition */
    uint8_t *part_state;         /* enum run_part_state, one per partition */
    uint64_t *part_steps;        /* steps over every round, per partition */
    uint64_t *part_memo_bytes;   /* the largest memo of any round, per partition */
    uint32_t *prefix_hist;       /* the failing partition's prefix, as history op ids */
    uint32_t prefix_count;
};

#endif /* RAST_CHECK_RESULT_H */
