/*
 * log.c: the in-memory Raft log (see log.h for the layout and invariants).
 */
#include "log.h"

#include "rast_assert.h"

#include <stdlib.h>
#include <string.h>

void log_init(struct rast_log *log)
{
    memset(log, 0, sizeof *log);
}

void log_free(struct rast_log *log)
{
    for (uint32_t i = 0; i < log->chunk_count; i++)
        free(log->chunks[i]);
    for (uint32_t i = 0; i < log->block_count; i++)
        free(log->blocks[i]);
    free(log->chunks);
    free(log->blocks);
    free(log->block_sizes);
    memset(log, 0, sizeof *log);
}

void log_reset(struct rast_log *log)
{
    for (uint32_t i = 1; i < log->block_count; i++)
        free(log->blocks[i]);
    log->block_count = log->block_count > 0 ? 1 : 0;
    log->block_used_bytes = 0;
    log->last_index = 0;
    log->last_term = 0;
    log->data_bytes_held = 0;
}

/* Grows an array of pointers to hold one more; amortized doubling. */
static int log_grow_ptrs(void ***array, uint32_t *capacity, uint32_t count)
{
    if (count < *capacity)
        return RAST_OK;
    uint32_t next = *capacity == 0 ? 16 : *capacity * 2;
    void **grown = realloc(*array, (size_t)next * sizeof(void *));
    if (grown == NULL)
        return RAST_E_NOMEM;
    *array = grown;
    *capacity = next;
    return RAST_OK;
}

static int log_ensure_chunk(struct rast_log *log, uint64_t index)
{
    uint64_t chunk = (index - 1) / LOG_CHUNK_ENTRIES;
    if (chunk < log->chunk_count)
        return RAST_OK;
    ASSERT(chunk == log->chunk_count);
    if (log_grow_ptrs((void ***)&log->chunks, &log->chunk_capacity, log->chunk_count) != 0)
        return RAST_E_NOMEM;
    struct rast_entry *fresh = malloc(LOG_CHUNK_ENTRIES * sizeof *fresh);
    if (fresh == NULL)
        return RAST_E_NOMEM;
    log->chunks[log->chunk_count++] = fresh;
    return RAST_OK;
}

/* The size of the next data block: the first is LOG_BLOCK_BYTES_FIRST, each later one twice
 * the last, up to LOG_BLOCK_BYTES. */
static uint32_t log_next_block_bytes(const struct rast_log *log)
{
    uint32_t block_bytes = LOG_BLOCK_BYTES_FIRST;
    for (uint32_t i = 0; i < log->block_count && block_bytes < LOG_BLOCK_BYTES; i++)
        block_bytes *= 2;
    return block_bytes;
}

/* Room for size bytes of data; returns where to copy them, or NULL on allocation failure. */
static uint8_t *log_reserve_data(struct rast_log *log, uint32_t size)
{
    if (log->block_count > 0 &&
        log->block_sizes[log->block_count - 1] - log->block_used_bytes >= size) {
        uint8_t *at = log->blocks[log->block_count - 1] + log->block_used_bytes;
        log->block_used_bytes += size;
        return at;
    }
    uint32_t old_capacity = log->block_capacity;
    if (log_grow_ptrs((void ***)&log->blocks, &log->block_capacity, log->block_count) != 0)
        return NULL;
    if (log->block_capacity != old_capacity) {
        uint32_t *sizes = realloc(log->block_sizes, log->block_capacity * sizeof *sizes);
        if (sizes == NULL)
            return NULL;
        log->block_sizes = sizes;
    }
    uint32_t block_bytes = log_next_block_bytes(log);
    block_bytes = size > block_bytes ? size : block_bytes;
    uint8_t *block = malloc(block_bytes);
    if (block == NULL)
        return NULL;
    log->blocks[log->block_count] = block;
    log->block_sizes[log->block_count] = block_bytes;
    log->block_count++;
    log->block_used_bytes = size;
    return block;
}

static inline int log_append_one(struct rast_log *log, uint64_t term, const uint8_t *data,
                                 uint32_t size)
{
    uint64_t index = log->last_index + 1;
    ASSERT(term >= log->last_term);
    if ((index - 1) % LOG_CHUNK_ENTRIES == 0 && log_ensure_chunk(log, index) != 0)
        return RAST_E_NOMEM;
    const uint8_t *copy = NULL;
    if (size > 0) {
        uint8_t *at;
        if (log->block_count > 0 &&
            log->block_sizes[log->block_count - 1] - log->block_used_bytes >= size) {
            at = log->blocks[log->block_count - 1] + log->block_used_bytes;
            log->block_used_bytes += size;
        } else if ((at = log_reserve_data(log, size)) == NULL) {
            return RAST_E_NOMEM;
        }
        memcpy(at, data, size);
        copy = at;
    }
    struct rast_entry *slot = log_slot(log, index);
    slot->term = term;
    slot->data = copy;
    slot->size = size;
    log->last_index = index;
    log->last_term = term;
    log->data_bytes_held += size;
    return RAST_OK;
}

int log_append(struct rast_log *log, uint64_t term, const uint8_t *data, uint32_t size)
{
    return log_append_one(log, term, data, size);
}

/* Copies size bytes; sizes up to 16 (the common small entry) without a call: two
 * overlapping 8- or 4-byte moves cover every length in their range. */
static inline void log_copy_small(uint8_t *to, const uint8_t *from, uint32_t size)
{
    if (size >= 8 && size <= 16) {
        memcpy(to, from, 8);
        memcpy(to + size - 8, from + size - 8, 8);
    } else if (size >= 4 && size < 8) {
        memcpy(to, from, 4);
        memcpy(to + size - 4, from + size - 4, 4);
    } else {
        memcpy(to, from, size);
    }
}

/* Appends entries[0..n) into the current chunk when all their data fits in the current
 * block: no call but memcpy, and the log's fields kept in locals (memcpy could alias them). */
static void log_append_run(struct rast_log *log, const struct rast_entry *entries, uint32_t n,
                           uint64_t term, uint64_t data_bytes)
{
    struct rast_entry *slot = log_slot(log, log->last_index + 1);
    uint8_t *at =
        log->block_count > 0 ? log->blocks[log->block_count - 1] + log->block_used_bytes : NULL;
    uint64_t last_term = log->last_term;
    for (uint32_t k = 0; k < n; k++) {
        const struct rast_entry *e = &entries[k];
        uint64_t t = term != 0 ? term : e->term;
        ASSERT(t >= last_term);
        const uint8_t *copy = NULL;
        if (e->size > 0) {
            log_copy_small(at, e->data, e->size);
            copy = at;
            at += e->size;
        }
        slot[k].term = t;
        slot[k].data = copy;
        slot[k].size = e->size;
        last_term = t;
    }
    log->block_used_bytes += (uint32_t)data_bytes;
    log->data_bytes_held += data_bytes;
    log->last_index += n;
    log->last_term = last_term;
}

int log_append_entries(struct rast_log *log, const struct rast_entry *entries, uint32_t count,
                       uint64_t term)
{
    uint32_t i = 0;
    while (i < count) {
        uint64_t index = log->last_index + 1;
        if ((index - 1) % LOG_CHUNK_ENTRIES == 0 && log_ensure_chunk(log, index) != 0)
            return RAST_E_NOMEM;
        uint64_t room = LOG_CHUNK_ENTRIES - (index - 1) % LOG_CHUNK_ENTRIES;
        uint32_t n = count - i < room ? count - i : (uint32_t)room;
        uint64_t bytes = 0;
        for (uint32_t k = 0; k < n; k++)
            bytes += entries[i + k].size;
        uint64_t free_bytes = log->block_count == 0
                                  ? 0
                                  : log->block_sizes[log->block_count - 1] - log->block_used_bytes;
        if (bytes > 0 && bytes > free_bytes) {
            if (log_append_one(log, term != 0 ? term : entries[i].term, entries[i].data,
                               entries[i].size) != 0)
                return RAST_E_NOMEM;
            i++;
            continue;
        }
        log_append_run(log, entries + i, n, term, bytes);
        i += n;
    }
    return RAST_OK;
}

/* Gives back the data of a truncated suffix when it sits at the end of the newest block
 * (the common case). Otherwise the bytes stay unused until the log is freed. */
static void log_release_data(struct rast_log *log, const uint8_t *first_data)
{
    if (first_data == NULL || log->block_count == 0)
        return;
    uintptr_t base = (uintptr_t)log->blocks[log->block_count - 1];
    uintptr_t at = (uintptr_t)first_data;
    if (at >= base && at < base + log->block_used_bytes)
        log->block_used_bytes = (uint32_t)(at - base);
}

void log_truncate_from(struct rast_log *log, uint64_t first_index)
{
    ASSERT(first_index >= 1);
    if (first_index > log->last_index)
        return;
    const uint8_t *first_data = NULL;
    for (uint64_t i = first_index; i <= log->last_index; i++) {
        const struct rast_entry *e = log_slot(log, i);
        log->data_bytes_held -= e->size;
        if (first_data == NULL && e->data != NULL)
            first_data = e->data;
    }
    log_release_data(log, first_data);
    log->last_index = first_index - 1;
    log->last_term = log_term_at(log, log->last_index);
}

uint32_t log_contiguous_count(const struct rast_log *log, uint64_t index, uint32_t count_max)
{
    if (index == 0 || index > log->last_index)
        return 0;
    uint64_t in_chunk = LOG_CHUNK_ENTRIES - (index - 1) % LOG_CHUNK_ENTRIES;
    uint64_t in_log = log->last_index - index + 1;
    uint64_t n = in_chunk < in_log ? in_chunk : in_log;
    return n < count_max ? (uint32_t)n : count_max;
}

uint64_t log_last_index_with_term_at_most(const struct rast_log *log, uint64_t index_max,
                                          uint64_t term)
{
    uint64_t lo = 0, hi = index_max < log->last_index ? index_max : log->last_index;
    while (lo < hi) { /* invariant: term_at(lo) <= term (index 0 has term 0) */
        uint64_t mid = lo + (hi - lo + 1) / 2;
        if (log_slot(log, mid)->term <= term)
            lo = mid;
        else
            hi = mid - 1;
    }
    return lo;
}

uint64_t log_first_index_of_term(const struct rast_log *log, uint64_t index)
{
    ASSERT(index >= 1 && index <= log->last_index);
    uint64_t term = log_slot(log, index)->term;
    uint64_t lo = 1, hi = index;
    while (lo < hi) { /* invariant: term_at(hi) == term */
        uint64_t mid = lo + (hi - lo) / 2;
        if (log_slot(log, mid)->term < term)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

uint64_t log_bytes_held(const struct rast_log *log)
{
    uint64_t bytes = (uint64_t)log->chunk_count * LOG_CHUNK_ENTRIES * sizeof(struct rast_entry);
    for (uint32_t i = 0; i < log->block_count; i++)
        bytes += log->block_sizes[i];
    return bytes;
}
