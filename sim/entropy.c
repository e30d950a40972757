/*
 * entropy.c: the choice source behind every decision of the simulator (see entropy.h).
 * Invariant: entropy_below(n) < n for n >= 1, for every backend and every input.
 */
#include "entropy.h"

#include <stdlib.h>
#include <string.h>

uint64_t entropy_splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static void entropy_reset(struct entropy *e, uint8_t kind)
{
    e->kind = kind;
    memset(e->state, 0, sizeof e->state);
    e->input = NULL;
    e->input_size = 0;
    e->input_offset = 0;
    e->prng_unrecorded = false;
    e->bytes_unrecorded = false;
    e->spent_unrecorded = false;
    e->recording = false;
    e->record_truncated = false;
    e->record_size = 0;
}

void entropy_init_prng(struct entropy *e, uint64_t seed)
{
    entropy_reset(e, ENTROPY_PRNG);
    e->prng_unrecorded = true;
    uint64_t x = seed;
    for (int i = 0; i < 4; i++)
        e->state[i] = entropy_splitmix64(&x);
}

void entropy_init_bytes(struct entropy *e, const uint8_t *input, size_t size)
{
    entropy_reset(e, ENTROPY_BYTES);
    e->input = input;
    e->input_size = input == NULL ? 0 : size;
    e->bytes_unrecorded = true;
    e->spent_unrecorded = e->input_size == 0;
}

void entropy_init_replay(struct entropy *e, const uint8_t *log, size_t size)
{
    entropy_reset(e, ENTROPY_REPLAY);
    e->input = log;
    e->input_size = log == NULL ? 0 : size;
    e->spent_unrecorded = e->input_size == 0;
}

void entropy_record_start(struct entropy *e)
{
    e->recording = true;
    e->prng_unrecorded = false;
    e->bytes_unrecorded = false;
    e->spent_unrecorded = false;
    e->record_truncated = false;
    e->record_size = 0;
}

void entropy_free(struct entropy *e)
{
    free(e->record);
    e->record = NULL;
    e->record_size = 0;
    e->record_capacity = 0;
}

static void entropy_record_value(struct entropy *e, uint64_t value)
{
    if (e->record_truncated)
        return;
    if (e->record_size + 10 > e->record_capacity) {
        size_t capacity = e->record_capacity == 0 ? 4096 : e->record_capacity * 2;
        if (capacity > ENTROPY_RECORD_BYTES_MAX) {
            e->record_truncated = true;
            return;
        }
        uint8_t *grown = realloc(e->record, capacity);
        if (grown == NULL) {
            e->record_truncated = true;
            return;
        }
        e->record = grown;
        e->record_capacity = capacity;
    }
    do {
        uint8_t byte = (uint8_t)(value & 0x7f);
        value >>= 7;
        e->record[e->record_size++] = (uint8_t)(byte | (value != 0 ? 0x80 : 0));
    } while (value != 0);
}

/* REPLAY: one LEB128 varint; a truncated or missing varint reads as 0. */
static uint64_t entropy_replay_next(struct entropy *e, uint64_t n)
{
    uint64_t value = 0;
    for (int shift = 0; shift < 64 && e->input_offset < e->input_size; shift += 7) {
        uint8_t byte = e->input[e->input_offset++];
        value |= (uint64_t)(byte & 0x7f) << shift;
        if ((byte & 0x80) == 0)
            break;
    }
    return value % n;
}

uint64_t entropy_choose(struct entropy *e, uint64_t n, bool forced, uint64_t forced_value)
{
    uint64_t value = 0;
    if (n > 1) {
        switch (e->kind) {
        case ENTROPY_PRNG: value = entropy_prng_next(e) % n; break;
        case ENTROPY_BYTES: value = entropy_bytes_next(e, n); break; /* entropy.h */
        default: value = entropy_replay_next(e, n); break;
        }
    }
    if (forced)
        value = forced_value;
    if (e->recording && n > 1) /* a choice among one consumes nothing, records nothing */
        entropy_record_value(e, value);
    e->spent_unrecorded = !e->recording && entropy_spent(e);
    return value;
}

uint64_t entropy_range(struct entropy *e, uint64_t lo, uint64_t hi)
{
    if (hi <= lo)
        return lo;
    return lo + entropy_below(e, hi - lo + 1);
}

/* round(-ln((256 - v) / 256) * 256): the inverse CDF of Exp(1), scaled by 256. */
const uint16_t entropy_exp_table[256] = {
    0,    1,    2,    3,    4,   5,   6,   7,   8,   9,   10,  11,  12,  13,  14,  15,  17,  18,
    19,   20,   21,   22,   23,  24,  25,  26,  27,  29,  30,  31,  32,  33,  34,  35,  36,  38,
    39,   40,   41,   42,   43,  45,  46,  47,  48,  49,  51,  52,  53,  54,  56,  57,  58,  59,
    61,   62,   63,   64,   66,  67,  68,  70,  71,  72,  74,  75,  76,  78,  79,  80,  82,  83,
    85,   86,   87,   89,   90,  92,  93,  94,  96,  97,  99,  100, 102, 103, 105, 106, 108, 109,
    111,  112,  114,  116,  117, 119, 120, 122, 124, 125, 127, 128, 130, 132, 133, 135, 137, 139,
    140,  142,  144,  146,  147, 149, 151, 153, 155, 156, 158, 160, 162, 164, 166, 168, 170, 172,
    173,  175,  177,  179,  181, 184, 186, 188, 190, 192, 194, 196, 198, 200, 203, 205, 207, 209,
    212,  214,  216,  219,  221, 223, 226, 228, 231, 233, 236, 238, 241, 243, 246, 248, 251, 254,
    256,  259,  262,  265,  268, 270, 273, 276, 279, 282, 285, 288, 291, 295, 298, 301, 304, 308,
    311,  314,  318,  321,  325, 328, 332, 336, 339, 343, 347, 351, 355, 359, 363, 367, 371, 376,
    380,  385,  389,  394,  398, 403, 408, 413, 418, 423, 429, 434, 439, 445, 451, 457, 463, 469,
    475,  482,  488,  495,  502, 509, 517, 524, 532, 540, 549, 558, 567, 576, 585, 596, 606, 617,
    628,  640,  653,  666,  680, 694, 710, 726, 744, 763, 783, 806, 830, 857, 887, 921, 961, 1008,
    1065, 1138, 1242, 1420,
};
