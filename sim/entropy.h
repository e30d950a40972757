/*
 * entropy.h: the one source of every decision the simulator makes.
 *
 * Every choice in sim/ (a delay, a loss, which node crashes, the swarm configuration) is a
 * call to entropy_below(n), which returns a value in [0, n). Three backends feed it:
 *   PRNG    xoshiro256** seeded through splitmix64 (seed sweeps, CI);
 *   BYTES   a forward reader over a byte buffer (fuzzers): each choice reads just enough
 *           bytes for n; a zero byte and running out of bytes both give 0;
 *   REPLAY  a recorded choice log: the values returned by an earlier run, in order.
 * The value 0 is always "the most boring choice": the shortest delay, no fault, no loss
 * (entropy_chance_ppm maps 0 to false), so zeroing or truncating fuzz input simplifies a run.
 *
 * Any backend can also record: each returned value is appended to a choice log as an
 * unsigned LEB128 varint. Replaying that log reproduces the run exactly, whatever backend
 * produced it. Values are recorded after pins override them (entropy_choose), so a log
 * replays without the command-line flags of the run that wrote it.
 */
#ifndef SIM_ENTROPY_H
#define SIM_ENTROPY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum entropy_kind {
    ENTROPY_PRNG = 1,
    ENTROPY_BYTES = 2,
    ENTROPY_REPLAY = 3,
};

/* A recorded choice log is at most this many bytes; past it, recording stops (flagged). */
#define ENTROPY_RECORD_BYTES_MAX (256u << 20)

struct entropy {
    uint8_t kind; /* enum entropy_kind */
    uint64_t state[4];
    const uint8_t *input; /* BYTES and REPLAY: borrowed, must outlive the run */
    size_t input_size;
    size_t input_offset;
    bool prng_unrecorded; /* kind == ENTROPY_PRNG && !recording: the inline path */
    bool bytes_unrecorded; /* kind == ENTROPY_BYTES && !recording: the other inline path */
    bool spent_unrecorded; /* BYTES or REPLAY, input used up, !recording: every draw is 0 */
    /* recording */
    bool recording;
    bool record_truncated;
    uint8_t *record; /* owned; reused across runs */
    size_t record_size;
    size_t record_capacity;
};

void entropy_init_prng(struct entropy *e, uint64_t seed);
void entropy_init_bytes(struct entropy *e, const uint8_t *input, size_t size);
void entropy_init_replay(struct entropy *e, const uint8_t *log, size_t size);
/* Starts (or restarts) recording; keeps the record buffer's memory. */
void entropy_record_start(struct entropy *e);
/* Releases the record buffer. */
void entropy_free(struct entropy *e);

/* Like entropy_below, but when forced is true the run uses (and records) value instead;
 * the source is still consumed, so the rest of the stream is unchanged. */
uint64_t entropy_choose(struct entropy *e, uint64_t n, bool forced, uint64_t value);
/* xoshiro256** (Blackman and Vigna): the PRNG backend's next word. */
static inline uint64_t entropy_prng_next(struct entropy *e)
{
    uint64_t *s = e->state;
    uint64_t x = s[1] * 5;
    uint64_t result = ((x << 7) | (x >> 57)) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = (s[3] << 45) | (s[3] >> 19);
    return result;
}

/* The byte reader or replay log ran out: every later choice is 0. False for the PRNG. */
static inline bool entropy_spent(const struct entropy *e)
{
    return e->kind != ENTROPY_PRNG && e->input_offset >= e->input_size;
}

/* BYTES: just enough little-endian bytes to cover n - 1 (n > 1); missing bytes read as 0. For
 * a constant n (most call sites) the loop unrolls into that many byte loads. */
static inline uint64_t entropy_bytes_next(struct entropy *e, uint64_t n)
{
    uint64_t value = 0;
    int shift = 0;
    for (uint64_t span = n - 1; span != 0 && shift < 64; span >>= 8, shift += 8)
        if (e->input_offset < e->input_size)
            value |= (uint64_t)e->input[e->input_offset++] << shift;
    return value % n;
}

/* A value in [0, n); n == 0 or 1 returns 0 (and still counts as a choice). Inline: the
 * seeded, unrecorded case (every sweep) is most of the simulator's draws, the byte reader
 * unrecorded (every fuzz input) the rest. */
static inline uint64_t entropy_below(struct entropy *e, uint64_t n)
{
    if (e->prng_unrecorded && n > 1)
        return entropy_prng_next(e) % n;
    if (e->spent_unrecorded) /* a fuzz input used up: about half its run's draws */
        return 0;
    if (e->bytes_unrecorded && n > 1) {
        uint64_t value = entropy_bytes_next(e, n);
        /* entropy_spent without its kind test: bytes_unrecorded is BYTES (the test cost 0.7%
         * of the cluster harness's instructions) */
        e->spent_unrecorded = e->input_offset >= e->input_size;
        return value;
    }
    return entropy_choose(e, n, false, 0);
}

/* A value in [lo, hi] (inclusive); lo is the boring end. */
uint64_t entropy_range(struct entropy *e, uint64_t lo, uint64_t hi);
/* True with probability ppm / 1,000,000; a boring (0) draw is false unless ppm is 1e6. */
static inline bool entropy_chance_ppm(struct entropy *e, uint32_t ppm)
{
    if (ppm == 0)
        return false; /* no draw at all: a fault class that is off costs nothing */
    return entropy_below(e, 1000000) >= 1000000u - (ppm > 1000000u ? 1000000u : ppm);
}
/* The inverse CDF of Exp(1), scaled by 256, at 256 points (entropy.c). */
extern const uint16_t entropy_exp_table[256];
/* An exponentially distributed extra delay with the given mean (integer table, no floats);
 * the boring draw gives 0. At most about 5.5 * mean. Inline: every message draws one. */
static inline uint64_t entropy_exponential(struct entropy *e, uint64_t mean)
{
    if (mean == 0)
        return 0;
    return mean * entropy_exp_table[entropy_below(e, 256)] / 256;
}

/* splitmix64 step, for deriving per-node seeds. */
uint64_t entropy_splitmix64(uint64_t *x);

#endif /* SIM_ENTROPY_H */
