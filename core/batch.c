/*
 * batch.c: the caller-owned output batch. rast_step appends to it with node_emit; growth is
 * amortized (doubling), so a batch reused across steps stops allocating once it has seen the
 * largest step.
 */
#include "node.h"

#include <stdlib.h>
#include <string.h>

void rast_batch_free(struct rast_batch *batch)
{
    free(batch->items);
    memset(batch, 0, sizeof *batch);
}

static int batch_grow(struct rast_batch *batch)
{
    uint32_t next = batch->capacity == 0 ? 64 : batch->capacity * 2;
    struct rast_output *grown = realloc(batch->items, (size_t)next * sizeof *grown);
    if (grown == NULL)
        return RAST_E_NOMEM;
    batch->items = grown;
    batch->capacity = next;
    return RAST_OK;
}

struct rast_output *node_emit(struct rast_node *node, uint8_t kind)
{
    struct rast_batch *batch = node->out;
    struct rast_output *slot = &node->scratch_output;
    if (batch->count < batch->capacity || batch_grow(batch) == RAST_OK)
        slot = &batch->items[batch->count++];
    else
        node->out_of_memory = true;
    memset(slot, 0, sizeof *slot);
    slot->kind = kind;
    return slot;
}

struct rast_msg *node_emit_msg(struct rast_node *node, uint8_t type, uint32_t to)
{
    struct rast_output *o = node_emit(node, RAST_OUTPUT_SEND);
    o->u.send.type = type;
    o->u.send.from = node->cfg.id;
    o->u.send.to = to;
    o->u.send.term = node->term;
    return &o->u.send;
}
