/*
 * host.h: the node host: one librast node, its key-value state machine and the bookkeeping
 * of client requests it serves. It talks to the outside only through struct host_io (send a
 * frame, submit a persist request, reply to a client, report applies and role changes), so a
 * real-I/O runtime (sockets, files) can implement the same interface later; the simulator's
 * implementation is in cluster.c.
 *
 * A host processes every output of a rast_step() call before returning: messages are
 * encoded at once (their pointers are only valid until the node's next step), persist
 * requests are submitted in emission order, applies run the KV store.
 *
 * Client requests: each client has at most one request outstanding per host (wait[client]).
 * A put/cas is one PROPOSE whose tag names (client, request); its reply is sent when this
 * node applies the entry that carries (client, request), or, for a put, at PROPOSE_DONE if
 * that comes first (the core's word that the entry committed). A get is one READ, served when
 * applied >= the READ_READY index.
 */
#ifndef SIM_HOST_H
#define SIM_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kv.h"
#include "network.h"
#include "rast.h"

#define HOST_CLIENTS_MAX 10u

enum host_reply {
    HOST_REPLY_OK = 1,         /* happened; value: get's value or put/cas's previous */
    HOST_REPLY_CAS_FAIL = 2,   /* cas compared and failed: definite */
    HOST_REPLY_NOT_LEADER = 3, /* did not happen; value: leader hint */
    HOST_REPLY_REFUSED = 4,    /* did not happen (busy, too big) */
    HOST_REPLY_UNKNOWN = 5,    /* outcome unknown (leadership lost) */
};

struct host;

struct host_io {
    void *ctx;
    /* The transport guarantees integrity itself: frames are encoded unsealed (no checksums,
     * rast_msg_encode_unsealed), and whoever damages one must seal it first. */
    bool frames_unsealed;
    void (*send)(void *ctx, struct host *h, const struct rast_msg *msg, const uint8_t *frame,
                 size_t size);
    /* 0, or an error: the host then fail-stops (the caller crashes the node). */
    int (*persist)(void *ctx, struct host *h, const struct rast_persist *p);
    void (*reply)(void *ctx, struct host *h, uint32_t client, uint32_t request, uint8_t status,
                  uint64_t value, uint64_t index);
    void (*applied)(void *ctx, struct host *h, uint64_t index, const struct rast_entry *entry);
    void (*role)(void *ctx, struct host *h, uint8_t role, uint64_t term, uint32_t leader);
};

struct host_wait {
    bool active;
    bool read_ready; /* a READ_READY arrived; serve once applied >= read_index */
    uint8_t type;
    uint8_t key;
    uint32_t request;
    uint64_t read_index;
};

struct host {
    uint32_t id;
    struct rast_node *node; /* NULL while down */
    struct rast_node *parked; /* the memory of a stopped node, reused by the next start */
    struct rast_batch batch;
    struct kv kv;
    struct host_wait wait[HOST_CLIENTS_MAX];
    uint32_t reads_waiting;
    struct host_io io;
    bool failed; /* a persist was refused: fail-stop pending */
    uint64_t msgs_encode_failed;
    uint8_t frame[NET_FRAME_BYTES_MAX];
};

void host_init(struct host *h, uint32_t id, const struct host_io *io);
void host_free(struct host *h);
/* Creates the node (restore NULL: empty disk), in the memory of the last stopped one if
 * there is one (rast_node_recreate). Returns 0 or a rast error. */
int host_start(struct host *h, const struct rast_config *cfg, const struct rast_restore *r);
/* Stops the node: everything it knew is lost; its memory is parked for the next start. */
void host_stop(struct host *h);
/* Feeds one input and handles every output. Returns rast_step's result. */
int host_step(struct host *h, const struct rast_input *in);
/* A client request arrives. */
int host_client(struct host *h, const struct kv_op *op);

#endif /* SIM_HOST_H */
