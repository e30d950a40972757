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


/* The cursor, in locals rather than in the parser: the bytes are chars, which may alias
 * anything, so a position kept in *p would be stored and reloaded at every byte. */
struct edn_fast {
    const char *buf;
    uint64_t len;
    uint64_t i;
};

static bool edn_fast_is_delim_or_end(const struct edn_fast *c, uint64_t i)
{
    return i >= c->len || (edn_cls(c->buf[i]) & EDN_C_DELIM) != 0;
}

/* An integer: optional '-', 1 to 18 digits, then a delimiter or the end. */
static bool edn_fast_int(struct edn_fast *c, struct edn_node *n)
{
    uint64_t i = c->i;
    int64_t v;
    if (!edn_fast_decimal(c->buf, c->len, &i, &v) || !edn_fast_is_delim_or_end(c, i))
        return false;
    n->type = EDN_INT;
    n->i = v;
    c->i = i;
    return true;
}

/* A string without escapes. */
static bool edn_fast_string(struct edn_fast *c, struct edn_node *n)
{
    uint64_t body = c->i + 1;
    const char *q = memchr(c->buf + body, '"', (size_t)(c->len - body));
    if (q == NULL || (uint64_t)(q - c->buf) - body > UINT32_MAX ||
        memchr(c->buf + body, '\\', (size_t)(q - (c->buf + body))) != NULL)
        return false;
    n->type = EDN_STR;
    n->str = body;
    n->size = (uint32_t)((uint64_t)(q - c->buf) - body);
    c->i = (uint64_t)(q - c->buf) + 1;
    return true;
}

/* A keyword (':' then symbol characters), or a word starting with a letter: nil, true, false
 * or a symbol; then a delimiter or the end. */
static bool edn_fast_word(struct edn_fast *c, struct edn_node *n)
{
    const char *buf = c->buf;
    bool keyword = buf[c->i] == ':';
    uint64_t start = c->i + keyword, i = edn_fast_symbol_end(buf, c->len, start);
    if (i == start || !edn_fast_is_delim_or_end(c, i))
        return false;
    uint32_t size = (uint32_t)(i - start);
    const char *w = buf + start;
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
    c->i = i;
    return true;
}

/* One scalar at the cursor into a new node; false when it is anything else. */
static bool edn_fast_scalar(struct edn_parser *p, struct edn_fast *c, uint32_t *index)
{
    char ch = c->buf[c->i];
    char d = c->i + 1 < c->len ? c->buf[c->i + 1] : 0;
    bool number = (ch >= '0' && ch <= '9') || (ch == '-' && d >= '0' && d <= '9');
    bool word = ch == ':' || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
    p->pos = c->i; /* the node's offset */
    if ((!number && !word && ch != '"') || edn_new_node(p, EDN_NIL, index) != 0)
        return false;
    struct edn_node *n = &p->nodes[*index];
    return number ? edn_fast_int(c, n) : word ? edn_fast_word(c, n) : edn_fast_string(c, n);
}

static void edn_fast_skip_ws(struct edn_fast *c)
{
    uint64_t i = c->i;
    while (i < c->len && (edn_cls(c->buf[i]) & EDN_C_WS) != 0)
        i++;
    c->i = i;
}

/* The children of the map at node index, up to its '}'. */
static bool edn_fast_entries(struct edn_parser *p, struct edn_fast *c, uint32_t index)
{
    uint32_t last = EDN_NONE, count = 0;
    for (;;) {
        edn_fast_skip_ws(c);
        if (c->i >= c->len)
            return false;
        if (c->buf[c->i] == '}')
            break;
        uint32_t child;
        if (!edn_fast_scalar(p, c, &child))
            return false;
        edn_link_child(p, index, &last, child);
        count++;
    }
    if (count % 2 != 0)
        return false;
    p->pos = c->i + 1;
    p->nodes[index].count = count;
    return true;
}

bool edn_parse_flat_map(struct edn_parser *p, uint32_t *node_out)
{
    uint64_t start = p->pos;
    uint32_t mark = p->node_count;
    if (start >= p->len || p->buf[start] != '{' || edn_new_node(p, EDN_MAP, node_out) != 0)
        return false;
    struct edn_fast c = { p->buf, p->len, start + 1 };
    if (edn_fast_entries(p, &c, *node_out))
        return true;
    p->pos = start;
    p->node_count = mark;
    return false;
}
