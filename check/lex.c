/*
 * lex.c: the line cursor of the line-oriented readers (see lex.h).
 */
#include "lex.h"

#include <string.h>

void lex_skip_blank(struct lex *l)
{
    while (l->pos < l->end &&
           (l->buf[l->pos] == ' ' || l->buf[l->pos] == '\t' || l->buf[l->pos] == '\r'))
        l->pos++;
}

bool lex_at_end(const struct lex *l)
{
    return l->pos >= l->end;
}

bool lex_word(struct lex *l, const char **word, uint32_t *size)
{
    lex_skip_blank(l);
    uint64_t start = l->pos;
    while (l->pos < l->end && l->buf[l->pos] != ' ' && l->buf[l->pos] != '\t' &&
           l->buf[l->pos] != '\r')
        l->pos++;
    *word = l->buf + start;
    *size = (uint32_t)(l->pos - start);
    return l->pos > start;
}

bool lex_word_is(const char *word, uint32_t size, const char *text)
{
    return strlen(text) == size && memcmp(word, text, size) == 0;
}

bool lex_int(const char *word, uint32_t size, int64_t *out, bool *overflow)
{
    uint32_t i = 0;
    bool neg = false;
    *overflow = false;
    if (size > 0 && (word[0] == '-' || word[0] == '+'))
        neg = word[i++] == '-';
    if (i == size)
        return false;
    uint64_t limit = neg ? (UINT64_C(1) << 63) : (uint64_t)INT64_MAX, v = 0;
    for (; i < size; i++) {
        if (word[i] < '0' || word[i] > '9')
            return false;
        uint64_t d = (uint64_t)(word[i] - '0');
        if (v > (limit - d) / 10) {
            *overflow = true;
            return false;
        }
        v = v * 10 + d;
    }
    *out = neg ? (int64_t)(0 - v) : (int64_t)v;
    return true;
}
