/*
 * jepsen_fast.c: the fast path of the Jepsen EDN reader for the usual op map (see jepsen.h),
 * e.g. {:process 9, :type :invoke, :f :append, :key "0", :value "x 9 0 y"}.
 *
 * One pass over the map's bytes into a struct jepsen_line: no EDN nodes, no allocation, no
 * error reporting. It reads only maps whose keys are keywords and whose values are integers of
 * at most 18 digits, keywords, strings without escapes, nil, true, false or symbols (the subset
 * of edn_parse_flat_map, byte for byte the same rules), with each field the reader uses at
 * most once, an integer :process >= 0, a known :type and a known :f. Anything else returns
 * false and the general reader parses the form from the same position, so errors keep their
 * messages and locations. What it returns is what the general reader would have seen.
 *
 * Two tiers. The template (jepsen_fast_template, inline in jepsen_template.h) matches the map
 * as the kv logs spell it, word by word against constants, with no key scanning and no
 * per-byte loops outside the strings; jepsen.c's run loop calls it directly, line after line.
 * Any other spelling (other spacing or order, more fields, newlines inside, a map near the end
 * of the input) goes to jepsen_fast_entries, which reads the keys and values one by one.
 */
#include "jepsen.h"

#include "edn.h"

#include "jepsen_template.h"
#include "simd.h"


/* The cursor, in locals rather than in memory the bytes could alias (see edn_fast.c). */
struct jepsen_cursor {
    const char *buf;
    uint64_t len;
    uint64_t i;
    uint32_t newlines; /* '\n' bytes passed (in strings and whitespace), for line numbers */
};

static bool jepsen_fast_delim_or_end(const struct jepsen_cursor *c, uint64_t i)
{
    return i >= c->len || (edn_cls(c->buf[i]) & EDN_C_DELIM) != 0;
}

static void jepsen_fast_skip_ws(struct jepsen_cursor *c)
{
    uint64_t i = c->i;
    while (i < c->len && (edn_cls(c->buf[i]) & EDN_C_WS) != 0)
        c->newlines += c->buf[i++] == '\n';
    c->i = i;
}

/* An integer: optional '-', 1 to 18 digits, then a delimiter or the end. */
static bool jepsen_fast_int(struct jepsen_cursor *c, struct jepsen_scalar *v)
{
    uint64_t i = c->i;
    int64_t x;
    if (!edn_fast_decimal(c->buf, c->len, &i, &x) || !jepsen_fast_delim_or_end(c, i))
        return false;
    v->kind = JEPSEN_V_INT;
    v->i = x;
    c->i = i;
    return true;
}

/* A string without escapes (the bytes between the quotes). Sixteen bytes at a time where the
 * target has SSE2, then eight at a time: the first '"' or '\\' ends the run; a '\n' is
 * counted and passed. */
static inline __attribute__((always_inline)) bool jepsen_fast_string(struct jepsen_cursor *c,
                                                                   struct jepsen_scalar *v)
{
    uint64_t body = c->i + 1, len = c->len, i = body;
    const char *buf = c->buf;
    for (;;) {
        i = jepsen_fast_stop(buf, i, len);
        if (i >= len || buf[i] != '\n')
            break;
        c->newlines++;
        i++;
    }
    if (i >= len || buf[i] == '\\' || i - body > UINT32_MAX)
        return false;
    v->kind = JEPSEN_V_STR;
    v->at = body;
    v->size = (uint32_t)(i - body);
    c->i = i + 1;
    return true;
}

/* A keyword (kept with its ':', as the reader interns it) or a word: nil, or true, false or a
 * symbol (OTHER: legal EDN, but no scalar the reader takes). */
static bool jepsen_fast_word(struct jepsen_cursor *c, struct jepsen_scalar *v)
{
    const char *buf = c->buf;
    bool keyword = buf[c->i] == ':';
    uint64_t start = c->i + keyword, i = edn_fast_symbol_end(buf, c->len, start);
    if (i == start || !jepsen_fast_delim_or_end(c, i) || i - c->i > UINT32_MAX)
        return false;
    v->at = c->i;
    v->size = (uint32_t)(i - c->i);
    if (keyword)
        v->kind = JEPSEN_V_KEYWORD;
    else if (i - start == 3 && memcmp(buf + start, "nil", 3) == 0)
        v->kind = JEPSEN_V_NIL;
    else
        v->kind = JEPSEN_V_OTHER;
    c->i = i;
    return true;
}

/* One value at the cursor; false when it is none of the above. */
static bool jepsen_fast_scalar(struct jepsen_cursor *c, struct jepsen_scalar *v)
{
    char ch = c->buf[c->i];
    if (ch == '"') /* the usual :key and :value first */
        return jepsen_fast_string(c, v);
    char d = c->i + 1 < c->len ? c->buf[c->i + 1] : 0;
    if ((ch >= '0' && ch <= '9') || (ch == '-' && d >= '0' && d <= '9'))
        return jepsen_fast_int(c, v);
    return (ch == ':' || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z')) &&
           jepsen_fast_word(c, v);
}

enum {
    JEPSEN_FIELD_PROCESS,
    JEPSEN_FIELD_TYPE,
    JEPSEN_FIELD_F,
    JEPSEN_FIELD_KEY,
    JEPSEN_FIELD_VALUE,
    JEPSEN_FIELD_OTHER
};

/* Which field the keyword name[0..size) names. */
static uint32_t jepsen_fast_field(const char *name, uint64_t size)
{
    switch (size) {
    case 1: return name[0] == 'f' ? JEPSEN_FIELD_F : JEPSEN_FIELD_OTHER;
    case 3: return memcmp(name, "key", 3) == 0 ? JEPSEN_FIELD_KEY : JEPSEN_FIELD_OTHER;
    case 4: return memcmp(name, "type", 4) == 0 ? JEPSEN_FIELD_TYPE : JEPSEN_FIELD_OTHER;
    case 5: return memcmp(name, "value", 5) == 0 ? JEPSEN_FIELD_VALUE : JEPSEN_FIELD_OTHER;
    case 7: return memcmp(name, "process", 7) == 0 ? JEPSEN_FIELD_PROCESS : JEPSEN_FIELD_OTHER;
    default: return JEPSEN_FIELD_OTHER;
    }
}

/* The field of the usual keys by whole-word compares (":process" is exactly eight bytes), or
 * JEPSEN_FIELD_OTHER with *size 0 when the key is none of them as spelt here. */
static uint32_t jepsen_fast_known_key(const struct jepsen_cursor *c, uint64_t *size)
{
    static const struct {
        char text[8];
        uint64_t size;
        uint32_t field;
    } keys[] = {
        { ":process", 8, JEPSEN_FIELD_PROCESS },
        { ":type", 5, JEPSEN_FIELD_TYPE },
        { ":f", 2, JEPSEN_FIELD_F },
        { ":key", 4, JEPSEN_FIELD_KEY },
        { ":value", 6, JEPSEN_FIELD_VALUE },
    };
    *size = 0;
    if (c->len - c->i < 9)
        return JEPSEN_FIELD_OTHER;
    uint64_t w = check_load8(c->buf + c->i);
    for (uint32_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
        uint64_t n = keys[k].size;
        uint64_t mask = n == 8 ? UINT64_MAX : (UINT64_C(1) << (8 * n)) - 1;
        if ((w & mask) == (check_load8(keys[k].text) & mask) &&
            jepsen_fast_delim_or_end(c, c->i + n)) {
            *size = n;
            return keys[k].field;
        }
    }
    return JEPSEN_FIELD_OTHER;
}

/* The key at the cursor (a keyword, then a delimiter): its field. */
static bool jepsen_fast_key(struct jepsen_cursor *c, uint32_t *field)
{
    if (c->buf[c->i] != ':')
        return false;
    uint64_t size;
    *field = jepsen_fast_known_key(c, &size);
    if (size != 0) {
        c->i += size;
        return true;
    }
    uint64_t start = c->i + 1, i = start;
    while (i < c->len && (edn_cls(c->buf[i]) & EDN_C_SYM) != 0)
        i++;
    if (i == start || !jepsen_fast_delim_or_end(c, i))
        return false;
    *field = jepsen_fast_field(c->buf + start, i - start);
    c->i = i;
    return true;
}

/* The entries up to the '}': the five fields (each at most once) and values of any other. */
static bool jepsen_fast_entries(struct jepsen_cursor *c, struct jepsen_scalar fields[5])
{
    uint32_t seen = 0;
    for (;;) {
        jepsen_fast_skip_ws(c);
        if (c->i >= c->len)
            return false;
        if (c->buf[c->i] == '}')
            break;
        uint32_t field;
        struct jepsen_scalar v;
        if (!jepsen_fast_key(c, &field))
            return false;
        jepsen_fast_skip_ws(c);
        if (c->i >= c->len || !jepsen_fast_scalar(c, &v))
            return false;
        if (field == JEPSEN_FIELD_OTHER)
            continue;
        if ((seen & (1u << field)) != 0)
            return false; /* duplicates: the general reader takes the first */
        seen |= 1u << field;
        fields[field] = v;
    }
    c->i++;
    return true;
}

/* Are the n bytes at p those of text (4 <= n <= 16)? Two overlapping loads of each, which the
 * compiler folds to constants for a literal text. */
static bool jepsen_fast_same(const char *p, const char *text, uint64_t n)
{
    if (n >= 8)
        return check_load8(p) == check_load8(text) &&
               check_load8(p + n - 8) == check_load8(text + n - 8);
    return check_load4(p) == check_load4(text) &&
           check_load4(p + n - 4) == check_load4(text + n - 4);
}

/* Is the keyword v (with its ':') ":" name? name is a literal of at most 7 bytes. */
#define JEPSEN_FAST_IS(buf, v, name)                                                               \
    ((v)->size == sizeof(name) &&                                                                  \
     ((v)->size < 4 ? memcmp((buf) + (v)->at + 1, name, (v)->size - 1) == 0                        \
                    : jepsen_fast_same((buf) + (v)->at, ":" name, (v)->size)))

static bool jepsen_fast_type(const char *buf, const struct jepsen_scalar *v, uint32_t *type)
{
    if (v->kind != JEPSEN_V_KEYWORD)
        return false;
    *type = JEPSEN_FAST_IS(buf, v, "invoke") ? 0
            : JEPSEN_FAST_IS(buf, v, "ok")   ? 1
            : JEPSEN_FAST_IS(buf, v, "fail") ? 2
            : JEPSEN_FAST_IS(buf, v, "info") ? 3
                                             : 4;
    return *type < 4;
}

static bool jepsen_fast_f(const char *buf, const struct jepsen_scalar *v, struct jepsen_line *l)
{
    uint32_t f;
    bool kv;
    if (v->kind != JEPSEN_V_KEYWORD || !jepsen_f_named(buf + v->at + 1, v->size - 1, &f, &kv))
        return false;
    l->f = f;
    l->f_kv = kv;
    return true;
}

bool jepsen_fast_line(const char *buf, uint64_t pos, uint64_t len, struct jepsen_line *out)
{
    if (jepsen_fast_template(buf, pos, len, out))
        return true;
    struct jepsen_scalar fields[5] = { { JEPSEN_V_ABSENT, 0, 0, 0 } };
    struct jepsen_cursor c = { buf, len, pos + 1, 0 };
    if (pos >= len || buf[pos] != '{' || !jepsen_fast_entries(&c, fields))
        return false;
    const struct jepsen_scalar *proc = &fields[JEPSEN_FIELD_PROCESS];
    if (proc->kind != JEPSEN_V_INT || proc->i < 0 ||
        !jepsen_fast_type(buf, &fields[JEPSEN_FIELD_TYPE], &out->type) ||
        !jepsen_fast_f(buf, &fields[JEPSEN_FIELD_F], out))
        return false;
    out->end = c.i;
    out->newlines = c.newlines;
    out->process = proc->i;
    out->key = fields[JEPSEN_FIELD_KEY];
    out->value = fields[JEPSEN_FIELD_VALUE];
    return true;
}
