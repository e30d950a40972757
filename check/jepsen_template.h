/*
 * jepsen_template.h: the template of the Jepsen EDN reader's fast path (see jepsen_fast.c): the
 * op map as Porcupine's kv logs spell every op, on one line,
 *     {:process 9, :type :invoke, :f :append, :key "0", :value "x 9 0 y"}
 * and the string scans both tiers of the fast path share.
 *
 * Inline in a header because jepsen.c's run loop calls the template once a line: out of line,
 * its call, its saved registers and the struct it fills through memory cost a tenth of
 * reading the line.
 */
#ifndef RAST_CHECK_JEPSEN_TEMPLATE_H
#define RAST_CHECK_JEPSEN_TEMPLATE_H

#include "edn.h"
#include "jepsen.h"
#include "simd.h"
#include "word.h"

#include <string.h>

/* Nonzero when some byte of x is zero (exact: no false positives for the lowest such byte,
 * which is all the callers look at). */
static inline uint64_t jepsen_fast_zero_byte(uint64_t x)
{
    return (x - UINT64_C(0x0101010101010101)) & ~x & UINT64_C(0x8080808080808080);
}

/* The index of the first '"', '\\' or '\n' at or after i, or len: eight bytes at a time while
 * eight remain. Out of line, so that its constants cost the usual short strings nothing. */
static __attribute__((noinline, unused)) uint64_t jepsen_fast_quote8(const char *buf, uint64_t i,
                                                                     uint64_t len)
{
    while (len - i >= 8) {
        uint64_t w = check_load8(buf + i);
        uint64_t hit = jepsen_fast_zero_byte(w ^ UINT64_C(0x2222222222222222)) |
                       jepsen_fast_zero_byte(w ^ UINT64_C(0x5c5c5c5c5c5c5c5c)) |
                       jepsen_fast_zero_byte(w ^ UINT64_C(0x0a0a0a0a0a0a0a0a));
        if (hit != 0)
            return i + (uint64_t)__builtin_ctzll(hit) / 8;
        i += 8;
    }
    while (i < len && buf[i] != '"' && buf[i] != '\\' && buf[i] != '\n')
        i++;
    return i;
}

/* The index of the first '"', '\\' or '\n' at or after i, or len: sixteen bytes at a time
 * where the target has SSE2, then jepsen_fast_quote8. */
static inline __attribute__((always_inline)) uint64_t jepsen_fast_stop(const char *buf, uint64_t i,
                                                                       uint64_t len)
{
#if CHECK_SSE2
    const __m128i quote = _mm_set1_epi8('"'), slash = _mm_set1_epi8('\\');
    const __m128i newline = _mm_set1_epi8('\n');
    while (len - i >= 16) {
        __m128i w = _mm_loadu_si128((const __m128i *)(const void *)(buf + i));
        __m128i stop = _mm_or_si128(_mm_cmpeq_epi8(w, quote), _mm_cmpeq_epi8(w, slash));
        unsigned hit = (unsigned)_mm_movemask_epi8(_mm_or_si128(stop, _mm_cmpeq_epi8(w, newline)));
        if (hit != 0)
            return i + (uint64_t)__builtin_ctz(hit);
        i += 16;
    }
#endif
    return jepsen_fast_quote8(buf, i, len);
}

/* The eight bytes of a literal (at least eight long) as one word: a constant once compiled. */
#define JEPSEN_W8(text) check_load8("" text)
#define JEPSEN_W4(text) check_load4("" text)

/* Bytes the template reads from a map's '{' before it checks the length again: its literals
 * up to the :key's opening quote, with a :process of 18 digits, end within them. */
#define JEPSEN_TEMPLATE_HEAD_BYTES 64u

/* The :type keyword of the template and the ", :f :" after it, as words: *type 0 :invoke ..
 * 3 :info. Reads at most twelve bytes from *i. */
static inline bool jepsen_fast_template_type(const char *p, uint64_t *i, uint32_t *type)
{
    uint64_t w = check_load8(p + *i);
    if (w == JEPSEN_W8("ok, :f :")) {
        *type = 1;
        *i += 8;
        return true;
    }
    if (w == JEPSEN_W8("invoke, ") && check_load4(p + *i + 8) == JEPSEN_W4(":f :")) {
        *type = 0;
        *i += 12;
        return true;
    }
    uint64_t tail = check_load8(p + *i + 2); /* "fail, :f :" and "info, :f :" */
    if (w == JEPSEN_W8("fail, :f") && tail == JEPSEN_W8("il, :f :"))
        *type = 2;
    else if (w == JEPSEN_W8("info, :f") && tail == JEPSEN_W8("fo, :f :"))
        *type = 3;
    else
        return false;
    *i += 10;
    return true;
}

/* The :f keyword of the template and the ", :key " after it: its first and last eight bytes.
 * Porcupine's kv words first (the logs use nothing else); :cas and :txn take vectors, which
 * the template does not read. */
static const struct {
    char head[8];
    char tail[8];
    uint32_t size;
    uint32_t f;
    bool kv;
} jepsen_fast_template_fs[] = {
    { "append, ", "d, :key ", 13, RAST_F_APPEND, true },
    { "get, :ke", "t, :key ", 10, RAST_F_READ, true },
    { "put, :ke", "t, :key ", 10, RAST_F_WRITE, true },
    { "read, :k", "d, :key ", 11, RAST_F_READ, false },
    { "write, :", "e, :key ", 12, RAST_F_WRITE, false },
};

/* Reads at most thirteen bytes from *i. */
static inline bool jepsen_fast_template_f(const char *p, uint64_t *i, struct jepsen_line *out)
{
    uint64_t w = check_load8(p + *i);
    for (uint32_t k = 0; k < sizeof jepsen_fast_template_fs / sizeof jepsen_fast_template_fs[0];
         k++) {
        uint32_t size = jepsen_fast_template_fs[k].size;
        if (w == check_load8(jepsen_fast_template_fs[k].head) &&
            check_load8(p + *i + size - 8) ==
                check_load8(jepsen_fast_template_fs[k].tail)) {
            out->f = jepsen_fast_template_fs[k].f;
            out->f_kv = jepsen_fast_template_fs[k].kv;
            *i += size;
            return true;
        }
    }
    return false;
}

/* Is c one of the bytes that end an escape-free one-line string's scan? */
static inline bool jepsen_fast_is_stop(char c)
{
    return c == '"' || c == '\\' || c == '\n';
}

/* The string whose opening quote is p[at] (at < n), on one line and without escapes: its
 * scalar (offsets from base), and *end just past its closing quote. With short, its first
 * two bytes one by one: a key of the kv logs (one byte) ends sooner than the SSE2 loop's
 * constants are loaded. */
static inline __attribute__((always_inline)) bool
jepsen_fast_template_string(const char *p, uint64_t at, uint64_t n, uint64_t base, bool short_,
                            struct jepsen_scalar *v, uint64_t *end)
{
    uint64_t body = at + 1, q = body;
    if (short_) {
        while (q < n && q < body + 2 && !jepsen_fast_is_stop(p[q]))
            q++;
        if (q == body + 2)
            q = jepsen_fast_stop(p, q, n);
    } else {
        q = jepsen_fast_stop(p, q, n);
    }
    if (q >= n || p[q] != '"' || q - body > UINT32_MAX)
        return false;
    *v = (struct jepsen_scalar){ JEPSEN_V_STR, (uint32_t)(q - body), base + body, 0 };
    *end = q + 1;
    return true;
}

/* The :value of the template and the '}' after it: a string, nil or an integer of at most 18
 * digits. p[*i] is its first byte; at least four bytes remain. */
static inline __attribute__((always_inline)) bool
jepsen_fast_template_value(const char *p, uint64_t *i, uint64_t n, uint64_t base,
                           struct jepsen_scalar *v)
{
    uint64_t at = *i;
    char ch = p[at];
    if (ch == '"') {
        if (!jepsen_fast_template_string(p, at, n, base, false, v, &at))
            return false;
    } else if (check_load4(p + at) == JEPSEN_W4("nil}")) {
        *v = (struct jepsen_scalar){ JEPSEN_V_NIL, 0, 0, 0 };
        at += 3;
    } else {
        int64_t x;
        if ((ch != '-' && (ch < '0' || ch > '9')) || !edn_fast_decimal(p, n, &at, &x))
            return false;
        *v = (struct jepsen_scalar){ JEPSEN_V_INT, 0, 0, x };
    }
    if (at >= n || p[at] != '}')
        return false;
    *i = at + 1;
    return true;
}

/*
 * The map at buf[pos] as Porcupine's kv logs (and rast_history_write_edn) spell every op,
 * fields in this order with ", " between them, on one line:
 *     {:process 9, :type :invoke, :f :append, :key "0", :value "x 9 0 y"}
 * (a string :key; a string, nil or integer :value; a known :type; :f one of :append, :get,
 * :put, :read, :write). Then out->key is a string and out->value a string, nil or an integer,
 * which jepsen_scalar takes, and out->newlines is 0; false for anything else. Matched word by
 * word against constants around the values, each known keyword fused with the literal after
 * it, with one length check for the literals up to the :key (a map that starts closer to the
 * end of the input is left to jepsen_fast_entries): no key scanning, no whitespace loops, no
 * keyword tables. The first try of jepsen_fast_line, and what jepsen.c's run loop reads.
 */
static inline __attribute__((always_inline)) bool
jepsen_fast_template(const char *buf, uint64_t pos, uint64_t len, struct jepsen_line *out)
{
    const char *p = buf + pos;
    uint64_t n = len - pos, i = 10, x = 0;
    if (n < JEPSEN_TEMPLATE_HEAD_BYTES || check_load8(p) != JEPSEN_W8("{:proces") ||
        check_load8(p + 2) != JEPSEN_W8("process "))
        return false;
    for (uint32_t d; i < 10 + EDN_FAST_DIGITS_MAX && (d = (uint32_t)(p[i] - '0')) < 10; i++)
        x = x * 10 + d;
    if (i == 10 || check_load8(p + i) != JEPSEN_W8(", :type ") || p[i + 8] != ':')
        return false;
    i += 9;
    if (!jepsen_fast_template_type(p, &i, &out->type) || !jepsen_fast_template_f(p, &i, out) ||
        p[i] != '"' || !jepsen_fast_template_string(p, i, n, pos, true, &out->key, &i))
        return false;
    if (n - i < 13 || check_load8(p + i) != JEPSEN_W8(", :value") || p[i + 8] != ' ')
        return false;
    i += 9;
    if (!jepsen_fast_template_value(p, &i, n, pos, &out->value))
        return false;
    out->end = pos + i;
    out->newlines = 0;
    out->process = (int64_t)x;
    return true;
}

#endif /* RAST_CHECK_JEPSEN_TEMPLATE_H */
