/*
 * rng.h: the node's only source of randomness, a xoshiro256** generator seeded through
 * splitmix64 from rast_config.random_seed. Used for election jitter (§5.2) and nothing else.
 * Integer-only, so the same seed gives the same draws on every compiler and platform.
 */
#ifndef RAST_CORE_RNG_H
#define RAST_CORE_RNG_H

#include <stdint.h>

struct rng {
    uint64_t s[4];
};

static inline uint64_t rng_splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static inline void rng_seed(struct rng *r, uint64_t seed)
{
    for (int i = 0; i < 4; i++)
        r->s[i] = rng_splitmix64(&seed);
}

static inline uint64_t rng_rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static inline uint64_t rng_next(struct rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rng_rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rng_rotl(s[3], 45);
    return result;
}

/* Uniform in [0, bound); bound > 0. The modulo bias is below 2^-32 for our small bounds. */
static inline uint64_t rng_below(struct rng *r, uint64_t bound)
{
    return rng_next(r) % bound;
}

#endif /* RAST_CORE_RNG_H */
