/*
 * porcupine_fast.c: the fast path of the Porcupine etcd log reader (see porcupine.h).
 *
 * Almost every line of a Porcupine log has one shape:
 *     INFO  jepsen.util - 12\t:invoke\t:cas\t[3 4]
 * This reads such a line in one pass, with no allocation and no error reporting: anything it
 * does not recognize exactly (a sign or more than 18 digits in an integer, a missing value,
 * stray text, ...) makes it return false before anything is stored in the history, and the
 * general reader (porcupine.c) parses the line again and reports the error, if any. So the
 * fields it returns are always those the general reader would produce for the same line.
 */
#include "porcupine.h"

#include <string.h>

#define PORC_FAST_DIGITS_MAX 18u /* 18 decimal digits always fit in int64 */

struct porc_cursor {
    const char *buf;
    uint64_t pos;
    uint64_t end;
};

static bool porc_fast_is_blank(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\r'; /* as lex_skip_blank */
}

static bool porc_fast_at_end(const struct porc_cursor *c)
{
    return c->pos >= c->end;
}

/* Skips blanks; true if there was at least one. */
static bool porc_fast_blanks(struct porc_cursor *c)
{
    uint64_t start = c->pos;
    while (c->pos < c->end && porc_fast_is_blank(c->buf[c->pos]))
        c->pos++;
    return c->pos > start;
}

/* Is the word at the cursor exactly text (followed by a blank or the end)? Consumes it. */
static bool porc_fast_word(struct porc_cursor *c, const char *text, uint32_t size)
{
    if (c->end - c->pos < size || memcmp(c->buf + c->pos, text, size) != 0)
        return false;
    if (c->pos + size < c->end && !porc_fast_is_blank(c->buf[c->pos + size]))
        return false;
    c->pos += size;
    return true;
}

/* Which of names (count of them) is the word at the cursor; consumes it. */
static bool porc_fast_choice(struct porc_cursor *c, const char *const *names, uint32_t count,
                             uint32_t *out)
{
    for (uint32_t i = 0; i < count; i++) {
        if (porc_fast_word(c, names[i], (uint32_t)strlen(names[i]))) {
            *out = i;
            return true;
        }
    }
    return false;
}

/* An optional '-' (when signed) then 1 to 18 digits. The caller checks what follows. */
static bool porc_fast_int(struct porc_cursor *c, bool is_signed, int64_t *out)
{
    bool neg = is_signed && c->pos < c->end && c->buf[c->pos] == '-';
    c->pos += neg;
    uint64_t start = c->pos, v = 0;
    while (c->pos < c->end && c->buf[c->pos] >= '0' && c->buf[c->pos] <= '9' &&
           c->pos - start < PORC_FAST_DIGITS_MAX)
        v = v * 10 + (uint64_t)(c->buf[c->pos++] - '0');
    if (c->pos == start || (c->pos < c->end && c->buf[c->pos] >= '0' && c->buf[c->pos] <= '9'))
        return false;
    *out = neg ? -(int64_t)v : (int64_t)v;
    return true;
}

/* "[from to]", blanks allowed inside, as the general reader reads it. */
static bool porc_fast_pair(struct porc_cursor *c, struct porc_fields *out)
{
    int64_t a, b;
    c->pos++; /* '[' */
    porc_fast_blanks(c);
    if (!porc_fast_int(c, true, &a) || !porc_fast_blanks(c) || !porc_fast_int(c, true, &b))
        return false;
    porc_fast_blanks(c);
    if (porc_fast_at_end(c) || c->buf[c->pos] != ']')
        return false;
    c->pos++;
    out->a0 = (struct check_value){ CHECK_KIND_INT, (uint64_t)a };
    out->a1 = (struct check_value){ CHECK_KIND_INT, (uint64_t)b };
    return true;
}

/* nil, a keyword (kept as nil), an integer, or (CAS) [from to]; then nothing but blanks. */
static bool porc_fast_value(struct porc_cursor *c, struct porc_fields *out)
{
    int64_t x;
    out->a0 = out->a1 = CHECK_NIL_VALUE;
    if (porc_fast_at_end(c))
        return false;
    char ch = c->buf[c->pos];
    if (ch == '[' && out->f == RAST_F_CAS) {
        if (!porc_fast_pair(c, out))
            return false;
    } else if (ch == ':') {
        while (c->pos < c->end && !porc_fast_is_blank(c->buf[c->pos]))
            c->pos++;
    } else if (!porc_fast_word(c, "nil", 3)) {
        if (!porc_fast_int(c, true, &x))
            return false;
        out->a0 = (struct check_value){ CHECK_KIND_INT, (uint64_t)x };
    }
    porc_fast_blanks(c);
    return porc_fast_at_end(c);
}

bool porcupine_fast_line(const char *buf, uint64_t pos, uint64_t end, struct porc_fields *out)
{
    static const char *const types[] = { ":invoke", ":ok", ":fail", ":info" };
    static const char *const fs[] = { ":read", ":write", ":cas" };
    struct porc_cursor c = { buf, pos, end };
    porc_fast_blanks(&c);
    if (!porc_fast_word(&c, "INFO", 4) || !porc_fast_blanks(&c) ||
        !porc_fast_word(&c, "jepsen.util", 11) || !porc_fast_blanks(&c) ||
        !porc_fast_word(&c, "-", 1) || !porc_fast_blanks(&c))
        return false;
    out->process_at = c.pos;
    if (!porc_fast_int(&c, false, &out->process) || !porc_fast_blanks(&c))
        return false;
    if (!porc_fast_choice(&c, types, 4, &out->type) || !porc_fast_blanks(&c))
        return false;
    if (!porc_fast_choice(&c, fs, 3, &out->f) || !porc_fast_blanks(&c))
        return false;
    return porc_fast_value(&c, out);
}
