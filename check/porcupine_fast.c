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
 *
 * Two tiers: porcupine_template_line first matches the line as Porcupine's logs almost always
 * spell it (one tab between the fields), word by word against constants, and finds the end of
 * the line as it goes; porcupine_fast_line takes any spacing.
 */
#include "porcupine.h"
#include "word.h"

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

/* Is the word w's low bytes the literal text (1 to 8 bytes)? The literal, padded with zeros
 * to eight bytes, is loaded as a word: a constant once compiled. */
#define PORC_IS(w, text)                                                                           \
    (((w) &                                                                                        \
      (sizeof(text) - 1 == 8 ? UINT64_MAX : (UINT64_C(1) << (8 * (sizeof(text) - 1))) - 1)) ==     \
     check_load8("" text "\0\0\0\0\0\0\0\0"))

/* An optional '-' then 1 to 18 digits at p[*i], as porc_fast_int (signed) reads them, with
 * the cursor in a local. */
static bool porc_template_int(const char *p, uint64_t *i, uint64_t n, int64_t *out)
{
    uint64_t at = *i;
    bool neg = at < n && p[at] == '-';
    at += neg;
    uint64_t start = at, v = 0,
             stop = n - at > PORC_FAST_DIGITS_MAX ? at + PORC_FAST_DIGITS_MAX : n;
    for (uint32_t d; at < stop && (d = (uint32_t)(p[at] - '0')) < 10; at++)
        v = v * 10 + d;
    if (at == start)
        return false;
    *out = neg ? -(int64_t)v : (int64_t)v;
    *i = at;
    return true;
}

/* Bytes the template reads from a line's start before it checks the length again: the
 * prefix, an 18-digit process, the type and the function. */
#define PORC_TEMPLATE_HEAD_BYTES 64u

/* The type and function words of the template, each with the tab after it. */
static bool porc_template_type_f(const char *p, uint64_t *i, struct porc_fields *out)
{
    uint64_t w = check_load8(p + *i);
    uint32_t n;
    if (PORC_IS(w, ":invoke\t"))
        out->type = 0, n = 8;
    else if (PORC_IS(w, ":ok\t"))
        out->type = 1, n = 4;
    else if (PORC_IS(w, ":fail\t"))
        out->type = 2, n = 6;
    else if (PORC_IS(w, ":info\t"))
        out->type = 3, n = 6;
    else
        return false;
    w = check_load8(p + *i + n);
    if (PORC_IS(w, ":read\t"))
        out->f = RAST_F_READ, n += 6;
    else if (PORC_IS(w, ":write\t"))
        out->f = RAST_F_WRITE, n += 7;
    else if (PORC_IS(w, ":cas\t"))
        out->f = RAST_F_CAS, n += 5;
    else
        return false;
    *i += n;
    return true;
}

/* Is i the end of the line (its '\n' or the end of the input)? */
static bool porc_template_eol(const char *p, uint64_t i, uint64_t n)
{
    return i >= n || p[i] == '\n';
}

/* The value of the template and the end of its line: nil, an integer, [from to] with one
 * space (:cas), or a keyword (nil). *i: at the value, then at the end of the line. */
static bool porc_template_value(const char *p, uint64_t *i, uint64_t n, struct porc_fields *out)
{
    uint64_t at = *i;
    int64_t x, y;
    out->a0 = out->a1 = CHECK_NIL_VALUE;
    char ch = p[at];
    if (ch == '[') {
        at++;
        if (out->f != RAST_F_CAS || !porc_template_int(p, &at, n, &x) || at >= n || p[at] != ' ')
            return false;
        at++;
        if (!porc_template_int(p, &at, n, &y) || at >= n || p[at] != ']')
            return false;
        out->a0 = (struct check_value){ CHECK_KIND_INT, (uint64_t)x };
        out->a1 = (struct check_value){ CHECK_KIND_INT, (uint64_t)y };
        at++;
    } else if (ch == ':') {
        while (at < n && p[at] != '\n' && !porc_fast_is_blank(p[at]))
            at++;
    } else if (ch == 'n') {
        if (n - at < 3 || memcmp(p + at, "nil", 3) != 0)
            return false;
        at += 3;
    } else {
        if (!porc_template_int(p, &at, n, &x))
            return false;
        out->a0 = (struct check_value){ CHECK_KIND_INT, (uint64_t)x };
    }
    *i = at;
    return porc_template_eol(p, at, n);
}

bool porcupine_template_line(const char *buf, uint64_t pos, uint64_t len, struct porc_fields *out,
                             uint64_t *end)
{
    const char *p = buf + pos;
    uint64_t n = len - pos, i = 20, x = 0;
    if (n < PORC_TEMPLATE_HEAD_BYTES || !PORC_IS(check_load8(p), "INFO  je") ||
        !PORC_IS(check_load8(p + 8), "psen.uti") || !PORC_IS(check_load8(p + 16), "l - "))
        return false;
    for (uint32_t d; i < 20 + PORC_FAST_DIGITS_MAX && (d = (uint32_t)(p[i] - '0')) < 10; i++)
        x = x * 10 + d;
    if (i == 20 || p[i] != '\t')
        return false;
    out->process = (int64_t)x;
    out->process_at = pos + 20;
    i++;
    if (!porc_template_type_f(p, &i, out) || !porc_template_value(p, &i, n, out))
        return false;
    *end = pos + i;
    return true;
}
