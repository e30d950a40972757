/*
 * search.h: the linearizability search for one partition: Wing & Gong's backtracking over the
 * real-time-ordered entry list, with Lowe's memo of (linearized set, state) configurations.
 *
 * Budgets are deterministic: model steps and memo bytes, never wall time. Exceeding either
 * ends the search with UNKNOWN and the progress reached, never a hang or an allocation failure.
 */
#ifndef RAST_CHECK_SEARCH_H
#define RAST_CHECK_SEARCH_H

#include "memo.h"
#include "plan.h"

#define SEARCH_STATES_MAX 8u

struct search_out {
    uint32_t verdict;          /* enum rast_check_verdict */
    uint32_t reason;           /* enum rast_check_unknown_reason */
    uint64_t steps;            /* model steps taken */
    uint64_t memo_bytes;       /* memo + model allocations at the end */
    uint32_t depth_max;        /* most ops linearized at once */
    uint32_t frontier_entry;   /* latest return entry the search was blocked at, or HIST_NONE */
    uint32_t fail_op;          /* local op of that entry (the op that cannot be linearized) */
    uint32_t prefix_count;     /* longest consistent prefix reaching the frontier (local ops) */
    uint32_t *prefix;
    uint32_t state_count;      /* distinct states at the frontier (at most SEARCH_STATES_MAX) */
    char *states_text;         /* their descriptions, each NUL-terminated, one after another */
};

struct search;

/*
 * Memory that the searches run on one thread hand on to each other (run.c keeps one per thread):
 * a destroyed search leaves its allocation, its memo's table and chunks and its rope here, and
 * the next search created or resumed with the cache takes them instead of allocating and
 * zeroing its own. Only memory passes: every search starts from the same state as with no cache
 * (test_search checks it), and counts the same bytes against its budget. A cache must be used by
 * one thread at a time; zero-initialize it, free it with search_cache_free. Any function taking
 * a cache also accepts NULL (then it allocates and frees as usual).
 */
struct search_cache {
    void *block; /* a search's allocation (struct search and its arrays), block_bytes long */
    size_t block_bytes;
    struct memo_spare memo;
    struct rope *rope;
};

void search_cache_free(struct search_cache *cache);

/* Prepares the search of one partition (nothing is searched yet). memo_bytes_max bounds its
 * memo and model allocations. Errors: ENOMEM. */
int search_create(const struct rast_history *h, const struct plan *plan,
                  const struct plan_part *part, uint64_t memo_bytes_max,
                  struct search_cache *cache, struct search **out);
/*
 * Searches until a verdict or until budget_steps_max model steps in total (over every call).
 * UNKNOWN with reason STEPS can be resumed with a larger budget, and then continues exactly
 * where it stopped: the outcome for a total budget B never depends on how B was split. Over
 * budget is not an error. cache is the calling thread's (not necessarily the one s was
 * created with).
 */
uint32_t search_resume(struct search *s, uint64_t budget_steps_max, struct search_cache *cache);
/* The result so far (prefix/states are filled in by search_finish). */
const struct search_out *search_result(const struct search *s);
/* Moves the final result to *out (the caller frees it with search_out_free); a linearizable
 * partition keeps no states and no prefix (they are reported only for a failing or undecided
 * one), and prefix and states_text are NULL when empty. ENOMEM. */
int search_finish(struct search *s, struct search_out *out);
/* Frees s, giving its memory to cache (the calling thread's) when not NULL. */
void search_destroy(struct search *s, struct search_cache *cache);
void search_out_free(struct search_out *out);

#endif /* RAST_CHECK_SEARCH_H */
