/*
 * witness.c: a search-free proof that a kv partition is not linearizable, used only to decide
 * which partition the search favours (run.c), never for a verdict: a wrong answer here could
 * only make the search slower, and the verdict is the search's.
 *
 * The rule. Take a read R that returned the string V and an append A of the string a, both
 * :ok, where A returned before R was invoked, so A takes effect before R. Suppose no setter (a
 * write, or a CAS that may have succeeded) can take effect between them: every setter invoked
 * before R returned had returned before A was invoked. Then the state right after A ends with
 * a, only appends follow it up to R, and R reads (state before A) ++ a ++ (more appends): V
 * contains a. If it does not, no linearization exists, whatever the other ops do.
 *
 * In Porcupine's kv logs this is how their violations look (c50-bad: nine of the ten keys; the
 * earliest, key "3", is also the cheapest for the search to refute). One sweep over the entries
 * in real-time order; each read is tested against the appends invoked after the latest return
 * of a setter invoked so far and returned before it was invoked: a few substring tests per op.
 * The bytes searched are bounded by WITNESS_SCAN_BYTES_PER_ENTRY per entry: past that the sweep
 * gives up (a linearizable partition has no witness to find, and would otherwise pay for
 * searching every read's long value for each append).
 */
#include "plan.h"

#include <stdlib.h>
#include <string.h>

#include "simd.h"

#define WITNESS_SCAN_BYTES_PER_ENTRY 8u

static bool witness_is_setter(const struct model_op *o)
{
    return o->f == RAST_F_WRITE || (o->f == RAST_F_CAS && o->outcome != MODEL_OUT_MISMATCH);
}

static bool witness_is_ok(const struct model_op *o, uint32_t f, struct check_value v)
{
    return o->f == f && o->outcome == MODEL_OUT_OK && v.kind == CHECK_KIND_STR;
}

/* Does v[0..v_size) contain a[0..a_size) (0 < a_size <= v_size)? Sixteen start positions at a
 * time where the target has SSE2: those where both a's first and last bytes match are
 * compared in full. The values are short (a read of a few dozen appends, each a few bytes),
 * where memmem's per-call setup cost more than the search. */
static bool witness_find(const char *v, uint32_t v_size, const char *a, uint32_t a_size)
{
    uint32_t i = 0, last = a_size - 1, end = v_size - a_size + 1; /* start positions [0, end) */
#if CHECK_SSE2
    const __m128i first = _mm_set1_epi8(a[0]), final = _mm_set1_epi8(a[last]);
    for (; end - i >= 16; i += 16) {
        __m128i f = _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(const void *)(v + i)), first);
        __m128i l =
            _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(const void *)(v + i + last)), final);
        for (unsigned hits = (unsigned)_mm_movemask_epi8(_mm_and_si128(f, l)); hits != 0;
             hits &= hits - 1)
            if (memcmp(v + i + (uint32_t)__builtin_ctz(hits), a, a_size) == 0)
                return true;
    }
#endif
    for (; i < end; i++) /* the rest, or all without SSE2: first and last bytes, then all */
        if (v[i] == a[0] && v[i + last] == a[last] && memcmp(v + i, a, a_size) == 0)
            return true;
    return false;
}

/* Does the string read contain the string appended? Counts the bytes searched in *left (and
 * answers true, with *left 0, once they would exceed it). */
static bool witness_contains(const struct rast_history *h, struct check_value read,
                             struct check_value appended, uint64_t *left)
{
    const char *v, *a;
    uint32_t v_size, a_size;
    strtab_get(&h->strs, (uint32_t)read.bits, &v, &v_size);
    strtab_get(&h->strs, (uint32_t)appended.bits, &a, &a_size);
    if (*left < v_size) {
        *left = 0;
        return true;
    }
    *left -= v_size;
    return a_size == 0 || (a_size <= v_size && witness_find(v, v_size, a, a_size));
}

/* The sweep (see the file comment); call_at/ret_at: op -> entry index (UINT32_MAX: none),
 * apps: the :ok string appends in order of invocation. */
static uint32_t witness_sweep(const struct rast_history *h, const struct plan_part *part,
                              const uint32_t *call_at, const uint32_t *ret_at, const uint32_t *apps,
                              uint32_t app_count)
{
    uint64_t setter_ret_max = 0; /* latest return + 1 of a setter invoked so far; 0: none */
    uint32_t lo = 0;             /* first append invoked after that return */
    uint64_t left = (uint64_t)part->entry_count * WITNESS_SCAN_BYTES_PER_ENTRY;
    for (uint32_t k = 0; k < part->entry_count; k++) {
        uint32_t op = part->entries[k] >> 1;
        const struct model_op *o = &part->ops[op];
        if ((part->entries[k] & 1) == 0) {
            uint64_t ret = ret_at[op] == UINT32_MAX ? UINT64_MAX : (uint64_t)ret_at[op] + 1;
            if (witness_is_setter(o) && ret > setter_ret_max)
                setter_ret_max = ret;
            continue;
        }
        if (left == 0)
            return HIST_NONE; /* the scan bound is used up */
        if (!witness_is_ok(o, RAST_F_READ, o->result))
            continue;
        while (lo < app_count && (uint64_t)call_at[apps[lo]] < setter_ret_max)
            lo++;
        for (uint32_t j = lo; j < app_count && call_at[apps[j]] < call_at[op]; j++)
            if (ret_at[apps[j]] < call_at[op] &&
                !witness_contains(h, o->result, part->ops[apps[j]].a0, &left))
                return k;
    }
    return HIST_NONE;
}

uint32_t plan_witness(const struct rast_history *h, const struct plan_part *part)
{
    uint32_t n = part->op_count, app_count = 0, witness = HIST_NONE;
    if (part->slot_count != 1)
        return HIST_NONE;
    uint32_t *call_at = malloc(((size_t)n + 1) * sizeof *call_at);
    uint32_t *ret_at = malloc(((size_t)n + 1) * sizeof *ret_at);
    uint32_t *apps = malloc(((size_t)n + 1) * sizeof *apps);
    if (call_at != NULL && ret_at != NULL && apps != NULL) {
        for (uint32_t i = 0; i < n; i++) {
            ret_at[i] = UINT32_MAX;
            if (witness_is_ok(&part->ops[i], RAST_F_APPEND, part->ops[i].a0))
                apps[app_count++] = i; /* ops are in order of invocation (plan.h) */
        }
        for (uint32_t k = 0; k < part->entry_count; k++) {
            uint32_t op = part->entries[k] >> 1;
            if ((part->entries[k] & 1) != 0)
                ret_at[op] = k;
            else
                call_at[op] = k;
        }
        witness = witness_sweep(h, part, call_at, ret_at, apps, app_count);
    }
    free(call_at);
    free(ret_at);
    free(apps);
    return witness;
}
