/*
 * disk.h: one node's simulated disk, in the spirit of SQLite's test6.c crash simulation.
 *
 * The disk is a byte log of encoded rast_record frames, split in two:
 *   durable   bytes that survived (what a restart reads back), and
 *   pending   a FIFO of requests (one per PERSIST output: its records and its token).
 * Requests complete strictly in order, one at a time, after drawn latencies (a slow disk
 * multiplies them). A crash loses every pending request; the one in flight (the head) may be
 * torn: a prefix of its bytes reaches the durable log, or garbage of some length does.
 * Latent corruption flips one bit inside a durable record that is not the last record.
 *
 * Restart (disk_load) reads records front to back. A record that fails to decode with no
 * valid record after it is a torn tail: it and everything after it is cut off. A bad record
 * followed by a valid one is corruption: the disk refuses to load (the node needs repair).
 *
 *     submit -> [pending ... head] --complete--> durable --load--> hard state + log
 *                          \--crash--> lost (head: maybe torn prefix / garbage)
 *
 * Invariants: durable only grows between loads, by whole requests except for the one torn
 * tail a crash may add; tokens complete in submission order.
 */
#ifndef SIM_DISK_H
#define SIM_DISK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "entropy.h"
#include "rast.h"

#define DISK_REQUESTS_MAX 1024u
#define DISK_BYTES_MAX (64u << 20) /* durable + pending bytes; beyond it: ENOSPC */

struct disk_request {
    uint64_t token;
    size_t offset; /* into pending */
    size_t size;
    size_t last_record_rel; /* offset of its last record, relative to offset */
    uint32_t records;
    bool has_hard_state;
    struct rast_hard_state hard_state;
    /* its entries, for the durable term shadow: terms at pending_terms[terms_offset..] */
    bool truncate;
    uint64_t first_index;
    uint32_t entry_count;
    uint64_t terms_offset;
};

enum disk_load_result {
    DISK_LOAD_OK = 0,
    DISK_LOAD_TORN_TAIL = 1, /* loaded; a torn tail was cut off */
    DISK_LOAD_CORRUPT = 2,   /* a bad record followed by valid ones: refuse to start */
    DISK_LOAD_GAP = 3,       /* an entry record past the end of the log: a writer bug */
};

struct disk {
    uint8_t *durable;
    size_t durable_size;
    uint64_t durable_capacity;
    size_t last_record_offset; /* start of the last whole record in durable */
    uint32_t durable_records;
    uint8_t *pending;
    size_t pending_size;
    uint64_t pending_capacity;
    struct disk_request requests[DISK_REQUESTS_MAX];
    uint32_t head;
    uint32_t count;
    bool corrupted; /* latent corruption was injected since the last load */
    /* the hard state a restart would read: from the last load, then every completed
     * request that carried one (the durability oracle of sim/cluster.c reads it) */
    struct rast_hard_state durable_hard_state;
    /* The term of every entry a restart would read, by index - 1 (durable_term_count of
     * them): from the last load, then every completed request. The commit oracle of
     * sim/cluster.c reads it (an entry is committed only once a majority stores it). */
    uint64_t *durable_terms;
    uint64_t durable_term_count;
    uint64_t durable_terms_capacity;
    uint64_t *pending_terms; /* the entry terms of pending requests, in order */
    uint64_t pending_terms_count;
    uint64_t pending_terms_capacity;
    /* what the last disk_load rebuilt; entries point into durable */
    struct rast_entry *entries;
    uint64_t entries_capacity;
    struct rast_restore restore;
};

void disk_init(struct disk *d);
void disk_free(struct disk *d);
/* Wipes the disk (a brand-new node), keeping its memory. */
void disk_reset(struct disk *d);

/* Queues a request: the records of persist, encoded now. Returns 0, RAST_E_BUSY when the
 * request queue is full, RAST_E_TOO_BIG when DISK_BYTES_MAX would be passed (ENOSPC), or a
 * codec error. */
int disk_submit(struct disk *d, const struct rast_persist *persist);
/* Completes the head request: its bytes become durable. Returns its token. The queue must
 * not be empty. */
uint64_t disk_complete_head(struct disk *d);
/* Crash: drops pending requests; tears the head with probability tear_ppm (half the time
 * a prefix of its bytes, half the time garbage). Returns true when a tear was written. */
bool disk_crash(struct disk *d, struct entropy *e, uint32_t tear_ppm);
/* Flips one bit in a durable record that is not the last one. False when there are fewer
 * than two records. */
bool disk_corrupt(struct disk *d, struct entropy *e);
/* The term of the entry at index the durable log holds, 0 when it holds none there. */
uint64_t disk_durable_term_at(const struct disk *d, uint64_t index);
/* Reads the durable log back; on OK/TORN_TAIL fills d->restore (valid until the next call
 * that changes the disk) and cuts the durable log to its valid prefix. */
enum disk_load_result disk_load(struct disk *d);

#endif /* SIM_DISK_H */
