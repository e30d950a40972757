/*
 * edn.h: a reader for the subset of EDN that Jepsen histories use: maps, vectors, lists, sets,
 * keywords, symbols, strings, integers (64-bit), nil, true/false, comments (;), commas as
 * whitespace, #_ discard and tagged values (#tag value, read as the value). Floats are read as
 * opaque tokens. Anything else is an error naming the line, column and what was expected.
 *
 * Values are parsed into a small tree of nodes in the parser's arena, which the caller resets
 * between top-level forms (edn_reset), so reading a long history allocates nothing per op.
 * Strings without escapes point into the input; escaped ones are decoded into a scratch buffer.
 * Nesting is limited to EDN_DEPTH_MAX, so hostile input cannot exhaust the stack.
 */
#ifndef RAST_CHECK_EDN_H
#define RAST_CHECK_EDN_H

#include "rast_check.h"

#include <string.h>

#define EDN_DEPTH_MAX 64u
#define EDN_NONE      UINT32_MAX

enum edn_type {
    EDN_NIL,
    EDN_BOOL,
    EDN_INT,
    EDN_FLOAT,
    EDN_STR,
    EDN_KEYWORD,
    EDN_SYMBOL,
    EDN_VECTOR,
    EDN_LIST,
    EDN_MAP,
    EDN_SET,
};

struct edn_node {
    uint32_t type;
    uint32_t count;      /* children (containers); a map has 2 per entry, key then value */
    uint32_t first;      /* first child, or EDN_NONE */
    uint32_t next;       /* next sibling, or EDN_NONE */
    uint64_t offset;     /* byte offset of the value in the input */
    int64_t i;           /* EDN_INT; EDN_BOOL 0/1 */
    uint64_t str;        /* EDN_STR/KEYWORD/SYMBOL/FLOAT: offset (input or scratch) */
    uint32_t size;       /* ... and size in bytes (keywords without the ':') */
    uint32_t in_scratch; /* 1 when str is an offset into the scratch buffer */
};

struct edn_parser {
    const char *name;
    const char *buf;
    uint64_t len;
    uint64_t pos;
    struct edn_node *nodes;
    uint32_t node_count;
    uint32_t node_cap;
    char *scratch;
    uint64_t scratch_used;
    uint64_t scratch_cap;
    uint64_t line_offset; /* memo for edn_line: line number of line_offset */
    uint32_t line;
    struct rast_check_error *err;
};

/* Character classes (one table lookup per byte on the hot paths). */
enum { EDN_C_WS = 1, EDN_C_DELIM = 2, EDN_C_SYM = 4 };
extern const uint8_t edn_class[256];

static inline uint8_t edn_cls(char c)
{
    return edn_class[(unsigned char)c];
}

#define EDN_FAST_DIGITS_MAX 18u /* 18 decimal digits always fit in int64 */

/* The fast readers' integer: at buf[*at] (before len) an optional '-', then 1 to
 * EDN_FAST_DIGITS_MAX digits. False when there is no digit; else *at is past the last digit
 * read and *value holds the number. The caller checks what follows (a delimiter). */
static inline bool edn_fast_decimal(const char *buf, uint64_t len, uint64_t *at, int64_t *value)
{
    uint64_t i = *at;
    bool neg = i < len && buf[i] == '-';
    i += neg;
    uint64_t start = i, x = 0;
    while (i < len && buf[i] >= '0' && buf[i] <= '9' && i - start < EDN_FAST_DIGITS_MAX)
        x = x * 10 + (uint64_t)(buf[i++] - '0');
    if (i == start)
        return false;
    *at = i;
    *value = neg ? -(int64_t)x : (int64_t)x;
    return true;
}

/* The end of the symbol characters (keyword and symbol names) from buf[at], before len. */
static inline uint64_t edn_fast_symbol_end(const char *buf, uint64_t len, uint64_t at)
{
    while (at < len && (edn_cls(buf[at]) & EDN_C_SYM) != 0)
        at++;
    return at;
}

/* Links child after *last among the children of parent (first child when *last is
 * EDN_NONE); child becomes *last. */
static inline void edn_link_child(struct edn_parser *p, uint32_t parent, uint32_t *last,
                                  uint32_t child)
{
    if (*last == EDN_NONE)
        p->nodes[parent].first = child;
    else
        p->nodes[*last].next = child;
    *last = child;
}

void edn_init(struct edn_parser *p, const char *name, const char *buf, uint64_t len,
              struct rast_check_error *err);
void edn_free(struct edn_parser *p);
/* Forgets the nodes and scratch strings of the previous form. */
void edn_reset(struct edn_parser *p);
/* Skips whitespace, commas and comments. */
void edn_skip_ws(struct edn_parser *p);
/* Parses one value at p->pos into a node. Errors: EPARSE (err filled), ENOMEM. */
int edn_parse(struct edn_parser *p, uint32_t *node_out);
/* Appends a node of type at p->pos (children and siblings none). Errors: EPARSE, ENOMEM. */
int edn_new_node(struct edn_parser *p, uint32_t type, uint32_t *index_out);
/*
 * The fast path (edn_fast.c) for the usual Jepsen op: a map at p->pos whose keys and values
 * are all keywords, integers of at most 18 digits, strings without escapes or nil/true/false,
 * separated by whitespace and commas. Builds exactly the nodes edn_parse would and returns
 * true; returns false, with p->pos and the nodes as they were, for anything else (comments,
 * tags, nesting, escapes, floats, errors...), which edn_parse then reads (and reports).
 */
bool edn_parse_flat_map(struct edn_parser *p, uint32_t *node_out);
/* The bytes of a string-like node. */
static inline const char *edn_text(const struct edn_parser *p, const struct edn_node *n)
{
    return n->in_scratch ? p->scratch + n->str : p->buf + n->str;
}
/* True when n is the keyword name[0..size) (without ':'). Inline: readers test every op's
 * keywords against several names. */
static inline bool edn_is_keyword_n(const struct edn_parser *p, const struct edn_node *n,
                                    const char *name, uint32_t size)
{
    return n->type == EDN_KEYWORD && n->size == size && memcmp(edn_text(p, n), name, size) == 0;
}
/* The same for string literals (the length is known at compile time). */
#define edn_is_keyword(p, n, lit) edn_is_keyword_n((p), (n), "" lit, sizeof(lit) - 1)
/* The line (from 1) of byte offset (monotonic calls are O(distance)). */
uint32_t edn_line(struct edn_parser *p, uint64_t offset);
/* Fills p->err for offset with the message; returns RAST_CHECK_EPARSE. */
int edn_error(struct edn_parser *p, uint64_t offset, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* "a map", "a keyword", ... for messages. */
const char *edn_type_name(uint32_t type);

#endif /* RAST_CHECK_EDN_H */
