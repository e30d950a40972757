/*
 * lex.h: a cursor over one line of text for the line-oriented readers (Porcupine etcd logs and
 * the native format): whitespace-separated words, integers with 64-bit overflow checks, and
 * quoted strings. Every failure reports the byte offset for an error message.
 */
#ifndef RAST_CHECK_LEX_H
#define RAST_CHECK_LEX_H

#include <stdbool.h>
#include <stdint.h>

struct lex {
    const char *buf;
    uint64_t pos;       /* current byte */
    uint64_t end;       /* end of the line (the '\n' or the end of input) */
};

/* Skips spaces and tabs (and a '\r' before the end of line). */
void lex_skip_blank(struct lex *l);
bool lex_at_end(const struct lex *l);
/* The next word (up to blank or end of line); returns false at end of line. */
bool lex_word(struct lex *l, const char **word, uint32_t *size);
bool lex_word_is(const char *word, uint32_t size, const char *text);
/* Parses a whole word as a signed 64-bit integer; false when not one or out of range. */
bool lex_int(const char *word, uint32_t size, int64_t *out, bool *overflow);

#endif /* RAST_CHECK_LEX_H */
