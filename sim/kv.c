/*
 * kv.c: the key-value state machine and its entry format (see kv.h).
 */
#include "kv.h"

#include <string.h>

void kv_reset(struct kv *kv)
{
    memset(kv, 0, sizeof *kv);
}

static void kv_put_u32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void kv_put_u64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t kv_get_u32(const uint8_t *p)
{
    uint32_t v = 0;
    for (int i = 0; i < 4; i++)
        v |= (uint32_t)p[i] << (8 * i);
    return v;
}

static uint64_t kv_get_u64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

void kv_encode(const struct kv_op *op, uint8_t out[KV_OP_BYTES])
{
    out[0] = 'K';
    out[1] = op->type;
    out[2] = op->key;
    out[3] = 0;
    kv_put_u32(out + 4, op->client);
    kv_put_u32(out + 8, op->request);
    kv_put_u64(out + 12, op->v1);
    kv_put_u64(out + 20, op->v2);
}

bool kv_decode(const uint8_t *data, size_t size, struct kv_op *op)
{
    if (data == NULL || size != KV_OP_BYTES || data[0] != 'K' || data[3] != 0)
        return false;
    if (data[1] < KV_GET || data[1] > KV_CAS || data[2] >= KV_KEYS_MAX)
        return false;
    op->type = data[1];
    op->key = data[2];
    op->client = kv_get_u32(data + 4);
    op->request = kv_get_u32(data + 8);
    op->v1 = kv_get_u64(data + 12);
    op->v2 = kv_get_u64(data + 20);
    return true;
}

bool kv_apply(struct kv *kv, const struct kv_op *op, uint64_t *value)
{
    uint64_t *reg = &kv->values[op->key];
    *value = *reg;
    switch (op->type) {
    case KV_PUT:
        *reg = op->v1;
        return true;
    case KV_CAS:
        if (*reg != op->v1)
            return false;
        *reg = op->v2;
        return true;
    default:
        return true;
    }
}

const char *kv_op_name(uint8_t type)
{
    switch (type) {
    case KV_GET: return "get";
    case KV_PUT: return "put";
    case KV_CAS: return "cas";
    default: return "?";
    }
}
