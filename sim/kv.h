/*
 * kv.h: the replicated state machine, a key-value store of uint64 registers (0 means
 * "never written"; every written value in a run is unique and nonzero), and the byte format
 * of its operations inside log entries.
 *
 * Entry format (KV_OP_BYTES, little-endian): 'K', op, key, 0, client u32, request u32,
 * v1 u64, v2 u64. An entry that is not this format (a leader's empty no-op) is ignored.
 */
#ifndef SIM_KV_H
#define SIM_KV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KV_KEYS_MAX 16u
#define KV_OP_BYTES 28u

enum kv_op_type {
    KV_GET = 1,
    KV_PUT = 2,
    KV_CAS = 3,
};

struct kv_op {
    uint8_t type; /* enum kv_op_type */
    uint8_t key;  /* < KV_KEYS_MAX */
    uint32_t client;
    uint32_t request;
    uint64_t v1; /* put: value; cas: expected */
    uint64_t v2; /* cas: new value */
};

struct kv {
    uint64_t values[KV_KEYS_MAX];
    uint64_t applied_index;
};

void kv_reset(struct kv *kv);
void kv_encode(const struct kv_op *op, uint8_t out[KV_OP_BYTES]);
/* False when data is not a well-formed operation. */
bool kv_decode(const uint8_t *data, size_t size, struct kv_op *op);
/* Applies op; returns true when it took effect (put, matching cas) and sets *value to the
 * register's value before the operation. */
bool kv_apply(struct kv *kv, const struct kv_op *op, uint64_t *value);
const char *kv_op_name(uint8_t type);

#endif /* SIM_KV_H */
