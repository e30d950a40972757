/*
 * load.c: reading a history from a buffer or a file, detecting its format from the first
 * non-blank text: "rast-history" (native), "INFO" (Porcupine etcd log), or EDN ('[', '(', '{',
 * ';' or '#'). An empty input is an empty history (vacuously linearizable).
 */
#include "jepsen.h"
#include "native.h"
#include "porcupine.h"
#include "source.h"

#include <stdlib.h>
#include <string.h>

static bool load_starts_with(const char *buf, uint64_t len, uint64_t pos, const char *word)
{
    size_t n = strlen(word);
    return len - pos >= n && memcmp(buf + pos, word, n) == 0;
}

int rast_history_parse(const char *name, const char *buf, size_t len,
                       struct rast_history **out, struct rast_check_error *err)
{
    *out = NULL;
    if (name == NULL)
        name = "(input)";
    struct rast_history *h = rast_history_create();
    if (h == NULL)
        return RAST_CHECK_ENOMEM;
    /* snprintf's "%s", truncation included, without its format parsing (a hundredth of
     * reading a small etcd log). memchr stops at the first NUL, as if reading byte by byte. */
    const char *nul = memchr(name, '\0', sizeof h->name - 1);
    size_t size = nul != NULL ? (size_t)(nul - name) : sizeof h->name - 1;
    memcpy(h->name, name, size);
    h->name[size] = '\0';
    uint64_t pos = 0;
    if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0)
        pos = 3;
    while (pos < len && (buf[pos] == ' ' || buf[pos] == '\t' || buf[pos] == '\n' ||
                         buf[pos] == '\r' || buf[pos] == ','))
        pos++;
    int rc;
    char c = pos < len ? buf[pos] : 0;
    if (load_starts_with(buf, len, pos, NATIVE_MAGIC) || (c == '#' && pos + 1 < len &&
                                                          buf[pos + 1] == ' '))
        rc = native_parse(h, name, buf, len, err);
    else if (load_starts_with(buf, len, pos, "INFO"))
        rc = porcupine_parse(h, name, buf, len, err);
    else if (pos >= len || c == '[' || c == '(' || c == '{' || c == ';' || c == '#')
        rc = jepsen_parse(h, name, buf, len, err);
    else
        rc = source_error(err, name, buf, len, pos, "unrecognized format: expected "
                          "'rast-history 1', a Porcupine etcd log line ('INFO  jepsen.util - "
                          "...') or EDN ('[' or '{')");
    if (rc != 0) {
        rast_history_destroy(h);
        return rc;
    }
    *out = h;
    return 0;
}

int rast_history_load_file(const char *path, struct rast_history **out,
                           struct rast_check_error *err)
{
    char *buf;
    uint64_t len;
    *out = NULL;
    int rc = source_read_file(path, &buf, &len, err);
    if (rc != 0)
        return rc;
    rc = rast_history_parse(path, buf, len, out, err);
    free(buf);
    return rc;
}
