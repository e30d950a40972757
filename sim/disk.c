/*
 * disk.c: the crash-simulating disk (see disk.h for the model and its invariants).
 */
#include "disk.h"

#include <stdlib.h>
#include <string.h>

void disk_init(struct disk *d)
{
    memset(d, 0, sizeof *d);
}

void disk_free(struct disk *d)
{
    free(d->durable);
    free(d->pending);
    free(d->entries);
    free(d->durable_terms);
    free(d->pending_terms);
    memset(d, 0, sizeof *d);
}

void disk_reset(struct disk *d)
{
    d->durable_size = 0;
    d->last_record_offset = 0;
    d->durable_records = 0;
    d->pending_size = 0;
    d->pending_terms_count = 0;
    d->durable_term_count = 0;
    d->head = 0;
    d->count = 0;
    d->corrupted = false;
    memset(&d->restore, 0, sizeof d->restore);
    memset(&d->durable_hard_state, 0, sizeof d->durable_hard_state);
}

/* Room for needed items of size item in *p (a byte buffer, terms, entries): the capacity
 * starts at first and doubles; contents are kept. */
static bool disk_grow(void **p, uint64_t *capacity, uint64_t needed, size_t item, uint64_t first)
{
    if (needed <= *capacity)
        return true;
    uint64_t grown = *capacity == 0 ? first : *capacity;
    while (grown < needed)
        grown *= 2;
    void *q = realloc(*p, (size_t)grown * item);
    if (q == NULL)
        return false;
    *p = q;
    *capacity = grown;
    return true;
}

static bool disk_reserve(uint8_t **buf, uint64_t *capacity, uint64_t needed)
{
    return disk_grow((void **)buf, capacity, needed, 1, 16384);
}

static bool disk_terms_reserve(uint64_t **terms, uint64_t *capacity, uint64_t needed)
{
    return disk_grow((void **)terms, capacity, needed, sizeof **terms, 1024);
}

static int disk_append_record(struct disk *d, const struct rast_record *rec, size_t *at)
{
    size_t bound = rast_record_encoded_size(rec);
    if (d->durable_size + d->pending_size + bound > DISK_BYTES_MAX)
        return RAST_E_TOO_BIG;
    if (!disk_reserve(&d->pending, &d->pending_capacity, d->pending_size + bound))
        return RAST_E_NOMEM;
    size_t size = 0;
    int rc = rast_record_encode(rec, d->pending + d->pending_size, bound, &size);
    if (rc != 0)
        return rc;
    *at = d->pending_size;
    d->pending_size += size;
    return 0;
}

int disk_submit(struct disk *d, const struct rast_persist *p)
{
    if (d->count == DISK_REQUESTS_MAX)
        return RAST_E_BUSY;
    size_t start = d->pending_size;
    size_t last = start;
    uint32_t records = 0;
    int rc = 0;
    struct rast_record rec;
    if (p->has_hard_state) {
        memset(&rec, 0, sizeof rec);
        rec.type = RAST_RECORD_HARD_STATE;
        rec.hard_state = p->hard_state;
        rc = disk_append_record(d, &rec, &last);
        records++;
    }
    if (rc == 0 && p->truncate) {
        memset(&rec, 0, sizeof rec);
        rec.type = RAST_RECORD_TRUNCATE;
        rec.index = p->first_index;
        rc = disk_append_record(d, &rec, &last);
        records++;
    }
    for (uint32_t i = 0; rc == 0 && i < p->entry_count; i++) {
        memset(&rec, 0, sizeof rec);
        rec.type = RAST_RECORD_ENTRY;
        rec.index = p->first_index + i;
        rec.entry = p->entries[i];
        rc = disk_append_record(d, &rec, &last);
        records++;
    }
    if (rc == 0 && !disk_terms_reserve(&d->pending_terms, &d->pending_terms_capacity,
                                       d->pending_terms_count + p->entry_count))
        rc = RAST_E_NOMEM;
    if (rc != 0) {
        d->pending_size = start;
        return rc;
    }
    struct disk_request *r = &d->requests[(d->head + d->count) % DISK_REQUESTS_MAX];
    r->truncate = p->truncate;
    r->first_index = p->first_index;
    r->entry_count = p->entry_count;
    r->terms_offset = d->pending_terms_count;
    for (uint32_t i = 0; i < p->entry_count; i++)
        d->pending_terms[d->pending_terms_count++] = p->entries[i].term;
    r->token = p->token;
    r->offset = start;
    r->size = d->pending_size - start;
    r->last_record_rel = last - start;
    r->records = records;
    r->has_hard_state = p->has_hard_state;
    r->hard_state = p->hard_state;
    d->count++;
    return 0;
}

/* Appends bytes to durable; r (when not NULL) is the whole request they belong to. */
static void disk_durable_append(struct disk *d, const uint8_t *bytes, size_t size,
                                const struct disk_request *r)
{
    if (!disk_reserve(&d->durable, &d->durable_capacity, d->durable_size + size))
        return; /* cannot happen below DISK_BYTES_MAX unless the host is out of memory */
    memcpy(d->durable + d->durable_size, bytes, size);
    if (r != NULL && r->records > 0) {
        d->last_record_offset = d->durable_size + r->last_record_rel;
        d->durable_records += r->records;
    }
    d->durable_size += size;
}

/* The request's records, replayed on the durable term shadow as disk_load would. */
static void disk_terms_apply(struct disk *d, const struct disk_request *r)
{
    if (r->truncate && r->first_index >= 1 && r->first_index - 1 < d->durable_term_count)
        d->durable_term_count = r->first_index - 1;
    for (uint32_t i = 0; i < r->entry_count; i++) {
        uint64_t index = r->first_index + i;
        if (index == 0 || index > d->durable_term_count + 1 ||
            !disk_terms_reserve(&d->durable_terms, &d->durable_terms_capacity, index))
            return; /* a gap: disk_load reports it */
        d->durable_terms[index - 1] = d->pending_terms[r->terms_offset + i];
        d->durable_term_count = index;
    }
}

uint64_t disk_durable_term_at(const struct disk *d, uint64_t index)
{
    return index >= 1 && index <= d->durable_term_count ? d->durable_terms[index - 1] : 0;
}

/* Drops the first shift pending terms (those of completed requests). Nothing to do for 0: the
 * buffer may then never have been allocated (requests without entries store no terms). */
static void disk_pending_terms_shift(struct disk *d, uint64_t shift)
{
    if (shift == 0)
        return;
    memmove(d->pending_terms, d->pending_terms + shift,
            (size_t)(d->pending_terms_count - shift) * sizeof *d->pending_terms);
    d->pending_terms_count -= shift;
    for (uint32_t i = 0; i < d->count; i++)
        d->requests[(d->head + i) % DISK_REQUESTS_MAX].terms_offset -= shift;
}

uint64_t disk_complete_head(struct disk *d)
{
    struct disk_request *r = &d->requests[d->head];
    disk_durable_append(d, d->pending + r->offset, r->size, r);
    disk_terms_apply(d, r);
    if (r->has_hard_state)
        d->durable_hard_state = r->hard_state;
    uint64_t token = r->token;
    d->head = (d->head + 1) % DISK_REQUESTS_MAX;
    d->count--;
    if (d->count == 0) {
        d->pending_size = 0;
        d->pending_terms_count = 0;
    } else if (d->requests[d->head].offset > d->pending_size / 2) {
        /* Compact: slide the pending bytes down so the buffer does not grow forever. */
        size_t shift = d->requests[d->head].offset;
        memmove(d->pending, d->pending + shift, d->pending_size - shift);
        d->pending_size -= shift;
        for (uint32_t i = 0; i < d->count; i++)
            d->requests[(d->head + i) % DISK_REQUESTS_MAX].offset -= shift;
        disk_pending_terms_shift(d, d->requests[d->head].terms_offset);
    }
    return token;
}

bool disk_crash(struct disk *d, struct entropy *e, uint32_t tear_ppm)
{
    bool torn = false;
    if (d->count > 0 && entropy_chance_ppm(e, tear_ppm)) {
        struct disk_request *r = &d->requests[d->head];
        if (r->size > 0 && entropy_below(e, 2) == 0) {
            size_t prefix = (size_t)entropy_range(e, 1, r->size);
            if (prefix == r->size)
                prefix--; /* strictly a prefix: the last byte is missing */
            disk_durable_append(d, d->pending + r->offset, prefix, NULL);
            torn = prefix > 0;
        } else {
            uint8_t garbage[64];
            size_t size = (size_t)entropy_range(e, 1, sizeof garbage);
            for (size_t i = 0; i < size; i++)
                garbage[i] = (uint8_t)entropy_below(e, 256);
            disk_durable_append(d, garbage, size, NULL);
            torn = true;
        }
    }
    d->head = 0;
    d->count = 0;
    d->pending_size = 0;
    d->pending_terms_count = 0;
    return torn;
}

bool disk_corrupt(struct disk *d, struct entropy *e)
{
    if (d->durable_records < 2 || d->last_record_offset == 0)
        return false;
    uint64_t bit = entropy_below(e, (uint64_t)d->last_record_offset * 8);
    d->durable[bit / 8] ^= (uint8_t)(1u << (bit % 8));
    d->corrupted = true;
    return true;
}

/* True when some valid record starts anywhere in durable[from..). */
static bool disk_valid_record_after(const struct disk *d, size_t from)
{
    for (size_t offset = from; offset < d->durable_size; offset++) {
        struct rast_record rec;
        size_t frame = 0;
        if (rast_record_decode(d->durable + offset, d->durable_size - offset, &rec, &frame) ==
            0)
            return true;
    }
    return false;
}

static bool disk_entries_reserve(struct disk *d, uint64_t count)
{
    return disk_grow((void **)&d->entries, &d->entries_capacity, count, sizeof *d->entries, 1024);
}

/* Applies one decoded record to the restore being built. */
static enum disk_load_result disk_apply_record(struct disk *d, const struct rast_record *rec)
{
    struct rast_restore *r = &d->restore;
    switch (rec->type) {
    case RAST_RECORD_HARD_STATE:
        r->hard_state = rec->hard_state;
        return DISK_LOAD_OK;
    case RAST_RECORD_TRUNCATE:
        if (rec->index >= 1 && rec->index - 1 < r->entry_count)
            r->entry_count = rec->index - 1;
        return DISK_LOAD_OK;
    case RAST_RECORD_ENTRY:
        if (rec->index == 0 || rec->index > r->entry_count + 1)
            return DISK_LOAD_GAP;
        if (!disk_entries_reserve(d, rec->index))
            return DISK_LOAD_GAP;
        d->entries[rec->index - 1] = rec->entry;
        r->entry_count = rec->index;
        return DISK_LOAD_OK;
    default:
        return DISK_LOAD_GAP;
    }
}

enum disk_load_result disk_load(struct disk *d)
{
    memset(&d->restore, 0, sizeof d->restore);
    d->head = 0;
    d->count = 0;
    d->pending_size = 0;
    d->pending_terms_count = 0;
    size_t offset = 0;
    uint32_t records = 0;
    size_t last_record = 0;
    enum disk_load_result result = DISK_LOAD_OK;
    while (offset < d->durable_size) {
        struct rast_record rec;
        size_t frame = 0;
        if (rast_record_decode(d->durable + offset, d->durable_size - offset, &rec, &frame) !=
            0) {
            if (disk_valid_record_after(d, offset + 1))
                return DISK_LOAD_CORRUPT;
            result = DISK_LOAD_TORN_TAIL;
            break;
        }
        enum disk_load_result applied = disk_apply_record(d, &rec);
        if (applied != DISK_LOAD_OK)
            return applied;
        last_record = offset;
        records++;
        offset += frame;
    }
    d->durable_size = offset; /* cut the torn tail */
    d->durable_records = records;
    d->last_record_offset = last_record;
    d->corrupted = false;
    d->restore.entries = d->restore.entry_count > 0 ? d->entries : NULL;
    d->durable_hard_state = d->restore.hard_state;
    d->durable_term_count = 0;
    if (disk_terms_reserve(&d->durable_terms, &d->durable_terms_capacity, d->restore.entry_count)) {
        for (uint64_t i = 0; i < d->restore.entry_count; i++)
            d->durable_terms[i] = d->entries[i].term;
        d->durable_term_count = d->restore.entry_count;
    }
    return result;
}
