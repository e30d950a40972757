/*
 * edn_fast.c: the fast path of the EDN reader for flat op maps (see edn_parse_flat_map in
 * edn.h), e.g. {:process 6, :type :invoke, :f :append, :key "0", :value "x 6 0 y"}.
 *
 * One loop over the map's bytes, no recursion and no error reporting: whatever it does not
 * recognize exactly makes it undo its nodes and return false, and the general reader (edn.c)
 * parses the form from the same position, so errors keep their messages and locations. The
 * nodes it builds are field for field those of the general reader.
 */
#include "edn.h"

#include <string.h>

#define EDN_FAST_DIGITS_MAX 18u /* 18 decimal digits always fit in int64 */

static bool edn_fast_is_delim_or_end(const struct edn_parser *p, uint64_t i)
{
    return i >= p->len || (edn_cls(p->buf[i]) & EDN_C_DELIM) != 0;
}

/* An integer: optional '-', 1 to 18 digits, then a delimiter or the end. */
static bool edn_fast_int(struct edn_parser *p, struct edn_node *n)
{
    uint64_t i = p->pos;
    bool neg = p->buf[i] == '-';
    i += neg;
    uint64_t start = i, v = 0;
    while (i < p->len && p->buf[i] >= '0' && p->buf[i] <= '9' && i - start < EDN_FAST_DIGITS_MAX)
        v = v * 10 + (uint64_t)(p->buf[i++] - '0');
    if (i == start || !edn_fast_is_delim_or_end(p, i))
        return false;
    n->type = EDN_INT;
    n->i = neg ? -(int64_t)v : (int64_t)v;
    p->pos = i;
    return true;
}

/* A string without escapes. */
static bool edn_fast_string(struct edn_parser *p, struct edn_node *n)
{
    uint64_t body = p->pos + 1;
    const char *q = memchr(p->buf + body, '"', (size_t)(p->len - body));
    if (q == NULL || (uint64_t)(q - p->buf) - body > UINT32_MAX ||
        memchr(p->buf + body, '\\', (size_t)(q - (p->buf + body))) != NULL)
        return false;
    n->type = EDN_STR;
    n->str = body;
    n->size = (uint32_t)((uint64_t)(q - p->buf) - body);
    p->pos = (uint64_t)(q - p->buf) + 1;
    return true;
}

/* A keyword (':' then symbol characters), or a word starting with a letter: nil, true, false
 * or a symbol; then a delimiter or the end. */
static bool edn_fast_word(struct edn_parser *p, struct edn_node *n)
{
    bool keyword = p->buf[p->pos] == ':';
    uint64_t start = p->pos + keyword, i = start;
    while (i < p->len && (edn_cls(p->buf[i]) & EDN_C_SYM) != 0)
        i++;
    if (i == start || !edn_fast_is_delim_or_end(p, i))
        return false;
    uint32_t size = (uint32_t)(i - start);
    const char *w = p->buf + start;
    n->str = start;
    n->size = size;
    if (keyword)
        n->type = EDN_KEYWORD;
    else if (size == 3 && memcmp(w, "nil", 3) == 0)
        n->type = EDN_NIL;
    else if ((size == 4 && memcmp(w, "true", 4) == 0) || (size == 5 && memcmp(w, "false", 5) == 0))
        n->type = EDN_BOOL;
    else
        n->type = EDN_SYMBOL;
    n->i = size == 4 && n->type == EDN_BOOL;
    p->pos = i;
    return true;
}

/* One scalar at p->pos into a new node; false when it is anything else. */
static bool edn_fast_scalar(struct edn_parser *p, uint32_t *index)
{
    char c = p->buf[p->pos];
    char d = p->pos + 1 < p->len ? p->buf[p->pos + 1] : 0;
    bool number = (c >= '0' && c <= '9') || (c == '-' && d >= '0' && d <= '9');
    bool word = c == ':' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    if ((!number && !word && c != '"') || edn_new_node(p, EDN_NIL, index) != 0)
        return false;
    struct edn_node *n = &p->nodes[*index];
    return number ? edn_fast_int(p, n) : word ? edn_fast_word(p, n) : edn_fast_string(p, n);
}

static void edn_fast_skip_ws(struct edn_parser *p)
{
    while (p->pos < p->len && (edn_cls(p->buf[p->pos]) & EDN_C_WS) != 0)
        p->pos++;
}

/* The children of the map at node index, up to its '}'. */
static bool edn_fast_entries(struct edn_parser *p, uint32_t index)
{
    uint32_t last = EDN_NONE, count = 0;
    for (;;) {
        edn_fast_skip_ws(p);
        if (p->pos >= p->len)
            return false;
        if (p->buf[p->pos] == '}')
            break;
        uint32_t child;
        if (!edn_fast_scalar(p, &child))
            return false;
        edn_link_child(p, index, &last, child);
        count++;
    }
    if (count % 2 != 0)
        return false;
    p->pos++;
    p->nodes[index].count = count;
    return true;
}

bool edn_parse_flat_map(struct edn_parser *p, uint32_t *node_out)
{
    uint64_t start = p->pos;
    uint32_t mark = p->node_count;
    if (start >= p->len || p->buf[start] != '{' || edn_new_node(p, EDN_MAP, node_out) != 0)
        return false;
    p->pos++;
    if (edn_fast_entries(p, *node_out))
        return true;
    p->pos = start;
    p->node_count = mark;
    return false;
}
