/*
 * edn.c: the EDN subset reader (see edn.h for the subset and the node layout).
 */
#include "edn.h"

#include "source.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void edn_init(struct edn_parser *p, const char *name, const char *buf, uint64_t len,
              struct rast_check_error *err)
{
    memset(p, 0, sizeof *p);
    p->name = name;
    p->buf = buf;
    p->len = len;
    p->line = 1;
    p->err = err;
}

void edn_free(struct edn_parser *p)
{
    free(p->nodes);
    free(p->scratch);
    p->nodes = NULL;
    p->scratch = NULL;
}

void edn_reset(struct edn_parser *p)
{
    p->node_count = 0;
    p->scratch_used = 0;
}

int edn_error(struct edn_parser *p, uint64_t offset, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = source_verror(p->err, p->name, p->buf, p->len, offset, fmt, ap);
    va_end(ap);
    return rc;
}

uint32_t edn_line(struct edn_parser *p, uint64_t offset)
{
    if (offset < p->line_offset) {
        p->line_offset = 0;
        p->line = 1;
    }
    const char *s = p->buf + p->line_offset, *end = p->buf + offset;
    while (s < end && (s = memchr(s, '\n', (size_t)(end - s))) != NULL) {
        p->line++;
        s++;
    }
    p->line_offset = offset;
    return p->line;
}

const char *edn_type_name(uint32_t type)
{
    static const char *const names[] = { "nil",      "a boolean", "an integer", "a float",
                                         "a string", "a keyword", "a symbol",   "a vector",
                                         "a list",   "a map",     "a set" };
    return type <= EDN_SET ? names[type] : "?";
}

const uint8_t edn_class[256] = {
    [' '] = EDN_C_WS | EDN_C_DELIM,
    ['\n'] = EDN_C_WS | EDN_C_DELIM,
    [','] = EDN_C_WS | EDN_C_DELIM,
    ['\t'] = EDN_C_WS | EDN_C_DELIM,
    ['\r'] = EDN_C_WS | EDN_C_DELIM,
    ['\f'] = EDN_C_WS | EDN_C_DELIM,
    ['('] = EDN_C_DELIM,
    [')'] = EDN_C_DELIM,
    ['['] = EDN_C_DELIM,
    [']'] = EDN_C_DELIM,
    ['{'] = EDN_C_DELIM,
    ['}'] = EDN_C_DELIM,
    ['"'] = EDN_C_DELIM,
    [';'] = EDN_C_DELIM,
    ['a'] = EDN_C_SYM,
    ['b'] = EDN_C_SYM,
    ['c'] = EDN_C_SYM,
    ['d'] = EDN_C_SYM,
    ['e'] = EDN_C_SYM,
    ['f'] = EDN_C_SYM,
    ['g'] = EDN_C_SYM,
    ['h'] = EDN_C_SYM,
    ['i'] = EDN_C_SYM,
    ['j'] = EDN_C_SYM,
    ['k'] = EDN_C_SYM,
    ['l'] = EDN_C_SYM,
    ['m'] = EDN_C_SYM,
    ['n'] = EDN_C_SYM,
    ['o'] = EDN_C_SYM,
    ['p'] = EDN_C_SYM,
    ['q'] = EDN_C_SYM,
    ['r'] = EDN_C_SYM,
    ['s'] = EDN_C_SYM,
    ['t'] = EDN_C_SYM,
    ['u'] = EDN_C_SYM,
    ['v'] = EDN_C_SYM,
    ['w'] = EDN_C_SYM,
    ['x'] = EDN_C_SYM,
    ['y'] = EDN_C_SYM,
    ['z'] = EDN_C_SYM,
    ['A'] = EDN_C_SYM,
    ['B'] = EDN_C_SYM,
    ['C'] = EDN_C_SYM,
    ['D'] = EDN_C_SYM,
    ['E'] = EDN_C_SYM,
    ['F'] = EDN_C_SYM,
    ['G'] = EDN_C_SYM,
    ['H'] = EDN_C_SYM,
    ['I'] = EDN_C_SYM,
    ['J'] = EDN_C_SYM,
    ['K'] = EDN_C_SYM,
    ['L'] = EDN_C_SYM,
    ['M'] = EDN_C_SYM,
    ['N'] = EDN_C_SYM,
    ['O'] = EDN_C_SYM,
    ['P'] = EDN_C_SYM,
    ['Q'] = EDN_C_SYM,
    ['R'] = EDN_C_SYM,
    ['S'] = EDN_C_SYM,
    ['T'] = EDN_C_SYM,
    ['U'] = EDN_C_SYM,
    ['V'] = EDN_C_SYM,
    ['W'] = EDN_C_SYM,
    ['X'] = EDN_C_SYM,
    ['Y'] = EDN_C_SYM,
    ['Z'] = EDN_C_SYM,
    ['0'] = EDN_C_SYM,
    ['1'] = EDN_C_SYM,
    ['2'] = EDN_C_SYM,
    ['3'] = EDN_C_SYM,
    ['4'] = EDN_C_SYM,
    ['5'] = EDN_C_SYM,
    ['6'] = EDN_C_SYM,
    ['7'] = EDN_C_SYM,
    ['8'] = EDN_C_SYM,
    ['9'] = EDN_C_SYM,
    ['.'] = EDN_C_SYM,
    ['*'] = EDN_C_SYM,
    ['+'] = EDN_C_SYM,
    ['!'] = EDN_C_SYM,
    ['-'] = EDN_C_SYM,
    ['_'] = EDN_C_SYM,
    ['?'] = EDN_C_SYM,
    ['$'] = EDN_C_SYM,
    ['%'] = EDN_C_SYM,
    ['&'] = EDN_C_SYM,
    ['='] = EDN_C_SYM,
    ['<'] = EDN_C_SYM,
    ['>'] = EDN_C_SYM,
    ['/'] = EDN_C_SYM,
    [':'] = EDN_C_SYM,
    ['\''] = EDN_C_SYM,
    ['#'] = EDN_C_SYM,
};

void edn_skip_ws(struct edn_parser *p)
{
    while (p->pos < p->len) {
        char c = p->buf[p->pos];
        if (edn_cls(c) & EDN_C_WS) {
            p->pos++;
        } else if (c == ';') {
            const char *nl = memchr(p->buf + p->pos, '\n', (size_t)(p->len - p->pos));
            p->pos = nl != NULL ? (uint64_t)(nl - p->buf) : p->len;
        } else {
            break;
        }
    }
}

int edn_new_node(struct edn_parser *p, uint32_t type, uint32_t *index_out)
{
    if (p->node_count == p->node_cap) {
        if (p->node_cap >= (1u << 26))
            return edn_error(p, p->pos, "value too large (more than %u nodes)", 1u << 26);
        uint32_t cap = p->node_cap == 0 ? 256 : p->node_cap * 2;
        struct edn_node *nodes = realloc(p->nodes, cap * sizeof *nodes);
        if (nodes == NULL)
            return RAST_CHECK_ENOMEM;
        p->nodes = nodes;
        p->node_cap = cap;
    }
    struct edn_node *n = &p->nodes[p->node_count];
    memset(n, 0, sizeof *n);
    n->type = type;
    n->first = EDN_NONE;
    n->next = EDN_NONE;
    n->offset = p->pos;
    *index_out = p->node_count++;
    return 0;
}

static bool edn_is_delim(char c)
{
    return (edn_cls(c) & EDN_C_DELIM) != 0;
}

static bool edn_is_symbol_char(char c)
{
    return (edn_cls(c) & EDN_C_SYM) != 0;
}

/* Integer (64-bit, optional sign, optional N suffix) or float (kept as an opaque token). */
static int edn_parse_number(struct edn_parser *p, uint32_t index)
{
    uint64_t start = p->pos, i = p->pos;
    bool neg = false;
    if (p->buf[i] == '-' || p->buf[i] == '+')
        neg = p->buf[i++] == '-';
    uint64_t magnitude = 0, limit = neg ? (UINT64_C(1) << 63) : (uint64_t)INT64_MAX;
    bool overflow = false;
    for (; i < p->len && p->buf[i] >= '0' && p->buf[i] <= '9'; i++) {
        uint64_t d = (uint64_t)(p->buf[i] - '0');
        if (magnitude > (limit - d) / 10)
            overflow = true;
        else
            magnitude = magnitude * 10 + d;
    }
    bool is_float = false;
    for (; i < p->len && !edn_is_delim(p->buf[i]); i++) {
        char c = p->buf[i];
        if (c == '.' || c == 'e' || c == 'E' || c == 'M' ||
            ((c == '-' || c == '+') && (p->buf[i - 1] == 'e' || p->buf[i - 1] == 'E')) ||
            (c >= '0' && c <= '9'))
            is_float = true;
        else if (!(c == 'N' && i + 1 == p->len) && !(c == 'N' && edn_is_delim(p->buf[i + 1])))
            return edn_error(p, i, "malformed number: unexpected '%c'", c);
    }
    struct edn_node *n = &p->nodes[index];
    if (is_float) {
        n->type = EDN_FLOAT;
        n->str = start;
        n->size = (uint32_t)(i - start);
    } else if (overflow) {
        return edn_error(p, start, "integer %.*s does not fit in 64 bits",
                         (int)(i - start > 40 ? 40 : i - start), p->buf + start);
    } else {
        n->type = EDN_INT;
        n->i = neg ? (int64_t)(0 - magnitude) : (int64_t)magnitude;
    }
    p->pos = i;
    return 0;
}

static int edn_scratch_put(struct edn_parser *p, char c)
{
    if (p->scratch_used == p->scratch_cap) {
        uint64_t cap = p->scratch_cap == 0 ? 4096 : p->scratch_cap * 2;
        char *s = realloc(p->scratch, cap);
        if (s == NULL)
            return RAST_CHECK_ENOMEM;
        p->scratch = s;
        p->scratch_cap = cap;
    }
    p->scratch[p->scratch_used++] = c;
    return 0;
}

/* \uXXXX at p->buf[*i] == 'u' (four hex digits). Values up to 0xFF stand for that byte (how
 * rast_history_write_edn writes control and non-ASCII bytes, so its output reads back); larger
 * ones are Unicode code points, stored as UTF-8. *i ends on the last hex digit. */
static int edn_parse_unicode_escape(struct edn_parser *p, uint64_t *i)
{
    uint64_t at = *i - 1;
    if (*i + 4 >= p->len)
        return edn_error(p, at, "truncated \\u escape (expected four hex digits)");
    uint32_t cp = 0;
    for (uint64_t k = *i + 1; k <= *i + 4; k++) {
        char h = p->buf[k];
        uint32_t d = (h >= '0' && h <= '9')   ? (uint32_t)(h - '0')
                     : (h >= 'a' && h <= 'f') ? (uint32_t)(h - 'a' + 10)
                     : (h >= 'A' && h <= 'F') ? (uint32_t)(h - 'A' + 10)
                                              : 16;
        if (d == 16)
            return edn_error(p, at, "bad \\u escape (expected four hex digits)");
        cp = cp * 16 + d;
    }
    *i += 4;
    uint8_t bytes[3];
    uint32_t n = 0;
    if (cp <= 0xFF) {
        bytes[n++] = (uint8_t)cp;
    } else if (cp <= 0x7FF) {
        bytes[n++] = (uint8_t)(0xC0 | (cp >> 6));
        bytes[n++] = (uint8_t)(0x80 | (cp & 0x3F));
    } else {
        bytes[n++] = (uint8_t)(0xE0 | (cp >> 12));
        bytes[n++] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
        bytes[n++] = (uint8_t)(0x80 | (cp & 0x3F));
    }
    for (uint32_t k = 0; k < n; k++) {
        if (edn_scratch_put(p, (char)bytes[k]) != 0)
            return RAST_CHECK_ENOMEM;
    }
    return 0;
}

static int edn_parse_escaped(struct edn_parser *p, uint32_t index, uint64_t body)
{
    struct edn_node *n = &p->nodes[index];
    n->in_scratch = 1;
    n->str = p->scratch_used;
    for (uint64_t i = body;; i++) {
        if (i >= p->len)
            return edn_error(p, n->offset,
                             "unterminated string (expected '\"' before end of "
                             "input)");
        char c = p->buf[i];
        if (c == '"') {
            p->pos = i + 1;
            break;
        }
        if (c == '\\') {
            if (++i >= p->len)
                continue;
            if (p->buf[i] == 'u') {
                int rc = edn_parse_unicode_escape(p, &i);
                if (rc != 0)
                    return rc;
                continue;
            }
            static const char from[] = "\"\\ntr", to[] = "\"\\\n\t\r";
            const char *at = p->buf[i] != 0 ? strchr(from, p->buf[i]) : NULL;
            if (at == NULL)
                return edn_error(p, i - 1,
                                 "unsupported string escape (expected one of "
                                 "\\\" \\\\ \\n \\t \\r \\uXXXX)");
            c = to[at - from];
        }
        if (edn_scratch_put(p, c) != 0)
            return RAST_CHECK_ENOMEM;
    }
    uint64_t size = p->scratch_used - n->str;
    if (size > UINT32_MAX)
        return edn_error(p, n->offset, "string too long");
    n->size = (uint32_t)size;
    return 0;
}

static int edn_parse_string(struct edn_parser *p, uint32_t index)
{
    struct edn_node *n = &p->nodes[index];
    uint64_t body = p->pos + 1;
    n->type = EDN_STR;
    const char *q = memchr(p->buf + body, '"', (size_t)(p->len - body));
    uint64_t end = q != NULL ? (uint64_t)(q - p->buf) : p->len;
    if (memchr(p->buf + body, '\\', (size_t)(end - body)) != NULL)
        return edn_parse_escaped(p, index, body);
    if (q == NULL)
        return edn_error(p, n->offset, "unterminated string (expected '\"' before end of input)");
    if (end - body > UINT32_MAX)
        return edn_error(p, n->offset, "string too long");
    n->str = body;
    n->size = (uint32_t)(end - body);
    p->pos = end + 1;
    return 0;
}

/* Keyword (after ':'), symbol, nil, true, false. */
static int edn_parse_word(struct edn_parser *p, uint32_t index)
{
    struct edn_node *n = &p->nodes[index];
    bool keyword = p->buf[p->pos] == ':';
    uint64_t start = p->pos + (keyword ? 1 : 0), i = start;
    while (i < p->len && edn_is_symbol_char(p->buf[i]))
        i++;
    if (i < p->len && !edn_is_delim(p->buf[i]))
        return edn_error(p, i, "unexpected byte 0x%02x in %s", (unsigned char)p->buf[i],
                         keyword ? "keyword" : "symbol");
    if (i == start)
        return edn_error(p, p->pos, "empty keyword (expected a name after ':')");
    n->str = start;
    n->size = (uint32_t)(i - start);
    p->pos = i;
    if (keyword) {
        n->type = EDN_KEYWORD;
    } else if (n->size == 3 && memcmp(p->buf + start, "nil", 3) == 0) {
        n->type = EDN_NIL;
    } else if (n->size == 4 && memcmp(p->buf + start, "true", 4) == 0) {
        n->type = EDN_BOOL;
        n->i = 1;
    } else if (n->size == 5 && memcmp(p->buf + start, "false", 5) == 0) {
        n->type = EDN_BOOL;
    } else {
        n->type = EDN_SYMBOL;
    }
    return 0;
}

static int edn_parse_depth(struct edn_parser *p, uint32_t depth, uint32_t *index_out);

static int edn_parse_container(struct edn_parser *p, uint32_t index, char close, uint32_t depth)
{
    uint32_t last = EDN_NONE, count = 0;
    uint64_t open = p->pos;
    p->pos += p->nodes[index].type == EDN_SET ? 2 : 1;
    for (;;) {
        edn_skip_ws(p);
        if (p->pos >= p->len)
            return edn_error(p, p->pos,
                             "unbalanced brackets: expected '%c' to close the '%c' "
                             "at line %u",
                             close, p->buf[open], (unsigned)edn_line(p, open));
        char c = p->buf[p->pos];
        if (c == close)
            break;
        if (c == ')' || c == ']' || c == '}')
            return edn_error(p, p->pos,
                             "unbalanced brackets: expected '%c' (for the '%c' at "
                             "line %u), found '%c'",
                             close, p->buf[open], (unsigned)edn_line(p, open), c);
        uint32_t child;
        int rc = edn_parse_depth(p, depth + 1, &child);
        if (rc != 0)
            return rc;
        edn_link_child(p, index, &last, child);
        count++;
    }
    p->pos++;
    if (p->nodes[index].type == EDN_MAP && count % 2 != 0)
        return edn_error(p, open, "map with a key and no value (odd number of forms)");
    p->nodes[index].count = count;
    return 0;
}

static int edn_parse_dispatch(struct edn_parser *p, uint32_t index, uint32_t depth)
{
    char c = p->buf[p->pos];
    char d = p->pos + 1 < p->len ? p->buf[p->pos + 1] : 0;
    switch (c) {
    case '{': p->nodes[index].type = EDN_MAP; return edn_parse_container(p, index, '}', depth);
    case '[': p->nodes[index].type = EDN_VECTOR; return edn_parse_container(p, index, ']', depth);
    case '(': p->nodes[index].type = EDN_LIST; return edn_parse_container(p, index, ')', depth);
    case '"': return edn_parse_string(p, index);
    case ')':
    case ']':
    case '}': return edn_error(p, p->pos, "unbalanced brackets: unexpected '%c'", c);
    default: break;
    }
    if ((c >= '0' && c <= '9') || ((c == '-' || c == '+') && d >= '0' && d <= '9'))
        return edn_parse_number(p, index);
    if (c == '#' && d == '{') {
        p->nodes[index].type = EDN_SET;
        return edn_parse_container(p, index, '}', depth);
    }
    if (c == ':' || (c != '#' && edn_is_symbol_char(c)))
        return edn_parse_word(p, index);
    char found[32];
    source_found(p->buf, p->len, p->pos, found, sizeof found);
    return edn_error(p, p->pos,
                     "expected a value (map, vector, keyword, string, integer or "
                     "nil), found %s",
                     found);
}

/* '#_ form' (discarded) and '#tag form' (read as form): both skip a prefix. */
static int edn_skip_reader_macros(struct edn_parser *p, uint32_t depth)
{
    while (p->pos + 1 < p->len && p->buf[p->pos] == '#' && p->buf[p->pos + 1] != '{') {
        if (p->buf[p->pos + 1] == '_') {
            p->pos += 2;
            edn_skip_ws(p);
            uint32_t mark = p->node_count, ignored;
            int rc = edn_parse_depth(p, depth + 1, &ignored);
            if (rc != 0)
                return rc;
            p->node_count = mark;
        } else {
            uint64_t start = p->pos++;
            while (p->pos < p->len && edn_is_symbol_char(p->buf[p->pos]))
                p->pos++;
            if (p->pos == start + 1)
                return edn_error(p, start, "expected a tag or '{' or '_' after '#'");
        }
        edn_skip_ws(p);
    }
    return 0;
}

static int edn_parse_depth(struct edn_parser *p, uint32_t depth, uint32_t *index_out)
{
    if (depth > EDN_DEPTH_MAX)
        return edn_error(p, p->pos, "nesting deeper than %u levels", EDN_DEPTH_MAX);
    edn_skip_ws(p);
    int rc = edn_skip_reader_macros(p, depth);
    if (rc != 0)
        return rc;
    if (p->pos >= p->len)
        return edn_error(p, p->pos, "unexpected end of input (expected a value)");
    rc = edn_new_node(p, EDN_NIL, index_out);
    return rc != 0 ? rc : edn_parse_dispatch(p, *index_out, depth);
}

int edn_parse(struct edn_parser *p, uint32_t *node_out)
{
    return edn_parse_depth(p, 0, node_out);
}
