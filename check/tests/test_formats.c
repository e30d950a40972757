/*
 * test_formats.c: each reader turns its format into the same history (Porcupine etcd logs,
 * Jepsen/Knossos EDN, Porcupine kv logs, rast's native format), and the two writers (native,
 * EDN) produce text that reads back to the identical history.
 */
#define _POSIX_C_SOURCE 200809L
#include "rast_check.h"
#include "rast_test.h"

#include "jepsen.h"
#include "porcupine.h"

#include <stdlib.h>
#include <string.h>

static struct rast_check_error err;

static struct rast_history *parse(const char *text)
{
    struct rast_history *h = NULL;
    if (rast_history_parse("t", text, strlen(text), &h, &err) != 0)
        fprintf(stderr, "  parse error %u:%u %s\n", err.line, err.column, err.message);
    return h;
}

/* The native text of h (caller frees). */
static char *native_text(const struct rast_history *h)
{
    char *buf = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&buf, &size);
    if (f == NULL)
        return NULL;
    int rc = rast_history_write_native(h, f);
    fclose(f);
    if (rc != 0) {
        free(buf);
        return NULL;
    }
    return buf;
}

static char *edn_text(const struct rast_history *h)
{
    char *buf = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&buf, &size);
    if (f == NULL)
        return NULL;
    int rc = rast_history_write_edn(h, f);
    fclose(f);
    if (rc != 0) {
        free(buf);
        return NULL;
    }
    return buf;
}

static uint32_t verdict_of(const struct rast_history *h, uint32_t model)
{
    struct rast_check_options o;
    rast_check_options_init(&o);
    o.model = model;
    struct rast_check_result *r;
    struct rast_check_summary s;
    if (rast_check_run(h, &o, &r, NULL) != 0)
        return 99;
    rast_check_result_summary(r, &s);
    rast_check_result_destroy(r);
    return s.verdict;
}

static void test_porcupine_etcd_log(void)
{
    const char *log = "INFO  jepsen.util - 0\t:invoke\t:read\tnil\n"
                      "INFO  jepsen.util - 1   :invoke :cas    [0 2]\n"
                      "INFO  jepsen.util - 0\t:ok\t:read\tnil\n"
                      "INFO  jepsen.util - 2\t:invoke\t:write\t1\n"
                      "INFO  jepsen.util - 1   :fail :cas    [0 2]\n"
                      "INFO  jepsen.util - 2\t:info\t:write\t:timed-out\n";
    struct rast_history *h = parse(log);
    CHECK(h != NULL);
    CHECK_EQ_U64(rast_history_op_count(h), 3);
    CHECK_EQ_U64(rast_history_event_count(h), 6);
    CHECK_EQ_U64(rast_history_model_hint(h), RAST_MODEL_ETCD);
    char *text = native_text(h);
    CHECK(text != NULL);
    CHECK(strstr(text, "invoke 1 1 1 cas nil 0 2\n") != NULL);
    CHECK(strstr(text, "ok 0 2 nil\n") != NULL);
    CHECK(strstr(text, "fail 1 4\n") != NULL);
    CHECK(strstr(text, "info 2 5\n") != NULL);
    free(text);
    CHECK_EQ_U64(verdict_of(h, RAST_MODEL_AUTO), RAST_CHECK_LINEARIZABLE);
    rast_history_destroy(h);
}

/* The fast path reads the common line shapes exactly as the general reader would. */
static void test_porcupine_fast_path_accepts(void)
{
    static const struct {
        const char *line;
        int64_t process;
        uint32_t type, f;
        struct check_value a0, a1;
    } cases[] = {
        { "INFO  jepsen.util - 12\t:invoke\t:cas\t[3 4]",
          12,
          0,
          RAST_F_CAS,
          { CHECK_KIND_INT, 3 },
          { CHECK_KIND_INT, 4 } },
        { "INFO  jepsen.util - 0 :ok :read nil", 0, 1, RAST_F_READ, CHECK_NIL_VALUE,
          CHECK_NIL_VALUE },
        { "INFO  jepsen.util - 3\t:info\t:write\t:timed-out\r", 3, 3, RAST_F_WRITE, CHECK_NIL_VALUE,
          CHECK_NIL_VALUE },
        { "INFO jepsen.util - 7 :invoke :write -42  ",
          7,
          0,
          RAST_F_WRITE,
          { CHECK_KIND_INT, (uint64_t)-42 },
          CHECK_NIL_VALUE },
        { "INFO  jepsen.util - 1 :fail :cas [ 1\t-2 ]",
          1,
          2,
          RAST_F_CAS,
          { CHECK_KIND_INT, 1 },
          { CHECK_KIND_INT, (uint64_t)-2 } },
        { "INFO  jepsen.util - 99 :ok :read 999999999999999999",
          99,
          1,
          RAST_F_READ,
          { CHECK_KIND_INT, 999999999999999999u },
          CHECK_NIL_VALUE },
        { "INFO  jepsen.util - 4 :invoke :cas 5",
          4,
          0,
          RAST_F_CAS,
          { CHECK_KIND_INT, 5 },
          CHECK_NIL_VALUE },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct porc_fields fl;
        const char *line = cases[i].line;
        CHECK(porcupine_fast_line(line, 0, strlen(line), &fl));
        CHECK_EQ_U64(fl.process, cases[i].process);
        CHECK_EQ_U64(fl.process_at, strstr(line, "- ") + 2 - line);
        CHECK_EQ_U64(fl.type, cases[i].type);
        CHECK_EQ_U64(fl.f, cases[i].f);
        CHECK(check_value_eq(fl.a0, cases[i].a0));
        CHECK(check_value_eq(fl.a1, cases[i].a1));
    }
}

/* The etcd template (porcupine_template_line) reads a line only as porcupine_fast_line does,
 * and finds its end: for the usual lines and every one-byte change and cut of them. */
static void test_porcupine_template_same(void)
{
    static const char *const lines[] = {
        "INFO  jepsen.util - 12\t:invoke\t:cas\t[3 -4]",
        "INFO  jepsen.util - 0\t:ok\t:read\tnil",
        "INFO  jepsen.util - 3\t:info\t:write\t:timed-out",
        "INFO  jepsen.util - 7\t:fail\t:write\t-42",
        "INFO  jepsen.util - 123456789012345678\t:ok\t:read\t999999999999999999",
    };
    static const char swaps[] = "\t \n\r:-[]0n";
    const char *after = "\nINFO  jepsen.util - 0\t:invoke\t:read\tnil\n"
                        "INFO  jepsen.util - 0\t:ok\t:read\t1\n";
    char text[256];
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
        size_t n = strlen(lines[i]);
        for (size_t k = 0; k <= n; k++) {
            for (size_t sw = 0; sw <= sizeof swaps - 1; sw++) {
                /* sw == sizeof swaps - 1: the line cut at k; else byte k replaced */
                snprintf(text, sizeof text, "%s%s", lines[i], after);
                if (sw == sizeof swaps - 1)
                    memmove(text + k, text + n, strlen(text + n) + 1);
                else if (k < n)
                    text[k] = swaps[sw];
                else
                    continue;
                struct porc_fields a, b;
                uint64_t len = strlen(text), end = 0;
                uint64_t eol = (uint64_t)(strchr(text, '\n') - text);
                if (!porcupine_template_line(text, 0, len, &a, &end))
                    continue;
                CHECK(porcupine_fast_line(text, 0, eol, &b));
                CHECK_EQ_U64(end, eol);
                CHECK(a.process == b.process && a.process_at == b.process_at && a.type == b.type &&
                      a.f == b.f && check_value_eq(a.a0, b.a0) && check_value_eq(a.a1, b.a1));
            }
        }
        snprintf(text, sizeof text, "%s%s", lines[i], after);
        struct porc_fields a;
        uint64_t end;
        CHECK(porcupine_template_line(text, 0, strlen(text), &a, &end));
    }
}

/* Lines of other shapes fall back to the general reader, which accepts or locates the error. */
static void test_porcupine_fast_path_falls_back(void)
{
    static const struct {
        const char *line;
        const char *native; /* what the general reader makes of it, or NULL: an error */
    } cases[] = {
        { "INFO  jepsen.util - +5 :invoke :read nil\n", "invoke 0 5 0 get nil\n" },
        { "INFO  jepsen.util - 1 :invoke :write 1234567890123456789\n",
          "invoke 0 1 0 put nil 1234567890123456789\n" },
        { "INFO  jepsen.util - 1 :invoke :read\n", "invoke 0 1 0 get nil\n" },
        { "INFO  jepsen.util - 1 :invoke :write\n", "invoke 0 1 0 put nil nil\n" },
        { "INFO  jepsen.util - 1 :invoke :cas [1 2]x\n", NULL },
        { "INFO  jepsen.util - 1 :invoke :write [1 2]\n", NULL },
        { "INFO  jepsen.util - 1 :invoke :write 1 2\n", NULL },
        { "INFO  jepsen.util - 1 :invoke :wrote 1\n", NULL },
        { "INFO  jepsen.util - 1 :invoke :cas [1]\n", NULL },
        { "INFO  jepsen.util - 1:invoke :read nil\n", NULL },
        { "INFO  jepsen.util - 1 :invoke :write 12a\n", NULL },
        { "INFO  jepsen.util - 1 :invoke :write 99999999999999999999\n", NULL },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct porc_fields fl;
        const char *line = cases[i].line;
        CHECK(!porcupine_fast_line(line, 0, strlen(line) - 1, &fl));
        struct rast_history *h = NULL;
        int rc = rast_history_parse("t", line, strlen(line), &h, &err);
        if (cases[i].native == NULL) {
            CHECK_EQ_U64(rc, (uint64_t)RAST_CHECK_EPARSE);
            CHECK_EQ_U64(err.line, 1);
            CHECK(err.column > 1);
            continue;
        }
        CHECK_EQ_U64(rc, 0);
        char *text = h != NULL ? native_text(h) : NULL;
        CHECK(text != NULL && strstr(text, cases[i].native) != NULL);
        free(text);
        rast_history_destroy(h);
    }
}

/* The native text of h followed by each op's source lines (reports cite them), the model
 * hints and the interned strings in id order (the checker's partitions follow the ids). */
static char *text_with_lines(const struct rast_history *h)
{
    char *text = native_text(h);
    uint32_t strs = strtab_total(&h->strs);
    size_t size = text != NULL ? strlen(text) + 24 * (size_t)h->op_count + 64 : 0;
    for (uint32_t i = 0; text != NULL && i < strs; i++) {
        const char *str;
        uint32_t n;
        strtab_get(&h->strs, i, &str, &n);
        size += n + 16;
    }
    char *out = text != NULL ? malloc(size) : NULL;
    if (out != NULL) {
        size_t at = (size_t)snprintf(out, size, "%s", text);
        for (uint32_t i = 0; i < h->op_count; i++)
            at += (size_t)snprintf(out + at, size - at, "#%u %u-%u\n", (unsigned)i,
                                   (unsigned)h->ops[i].invoke_line,
                                   (unsigned)h->ops[i].complete_line);
        at += (size_t)snprintf(out + at, size - at, "model %u initial %d %llu\n",
                               (unsigned)h->model_hint, (int)h->has_initial_hint,
                               (unsigned long long)h->initial_hint.bits);
        for (uint32_t i = 0; i < strs; i++) {
            const char *str;
            uint32_t n;
            strtab_get(&h->strs, i, &str, &n);
            at += (size_t)snprintf(out + at, size - at, "s%u %.*s\n", (unsigned)i, (int)n, str);
        }
    }
    free(text);
    return out;
}

/* Parses text with the Jepsen reader's fast path on or off: the native text of the history
 * and its ops' lines, or the located error message (caller frees). */
static char *jepsen_outcome_n(const char *text, size_t len, bool fast)
{
    struct rast_history *h = rast_history_create();
    struct rast_check_error e;
    memset(&e, 0, sizeof e);
    if (h == NULL)
        return NULL;
    int rc = jepsen_parse_with(h, "t", text, len, fast, &e);
    char *out = NULL;
    if (rc == 0) {
        out = text_with_lines(h);
    } else {
        out = malloc(600);
        if (out != NULL)
            snprintf(out, 600, "rc %d %u:%u %s", rc, e.line, e.column, e.message);
    }
    rast_history_destroy(h);
    return out;
}

static char *jepsen_outcome(const char *text, bool fast)
{
    return jepsen_outcome_n(text, strlen(text), fast);
}

/* The first len bytes of text in a heap block of exactly that size (one byte for 0), so that
 * ASan reports any read past the input; NULL if malloc fails. */
static char *exact_copy(const char *text, size_t len)
{
    char *copy = malloc(len + (len == 0));
    if (copy != NULL)
        memcpy(copy, text, len);
    return copy;
}

/* The templates (jepsen_template.h, porcupine_template_line) read no byte past the input,
 * whose end may fall anywhere in their literals: every prefix of a few template lines, each
 * in a heap block of exactly its size (so that ASan sees a read past it), reads as the general
 * path reads it. */
static void test_templates_exact_prefixes(void)
{
    const char *kv =
        "{:process 9, :type :invoke, :f :append, :key \"0\", :value \"x 9 0 y\"}\n"
        "{:process 123456789012345678, :type :invoke, :f :get, :key \"1\", :value nil}\n"
        "{:process 9, :type :ok, :f :append, :key \"0\", :value \"x 9 0 y\"}\n"
        "{:process 123456789012345678, :type :ok, :f :get, :key \"1\", :value \"\"}\n";
    const char *etcd = "INFO  jepsen.util - 123456789012345678\t:invoke\t:write\t-42\n"
                       "INFO  jepsen.util - 1\t:invoke\t:cas\t[1 2]\n"
                       "INFO  jepsen.util - 123456789012345678\t:info\t:write\t:timed-out\n"
                       "INFO  jepsen.util - 1\t:fail\t:cas\t[1 2]\n";
    size_t n = strlen(kv);
    for (size_t len = 0; len <= n; len++) {
        char *copy = exact_copy(kv, len);
        CHECK(copy != NULL);
        char *fast = jepsen_outcome_n(copy, len, true), *slow = jepsen_outcome_n(copy, len, false);
        CHECK(fast != NULL && slow != NULL && strcmp(fast, slow) == 0);
        free(fast);
        free(slow);
        free(copy);
    }
    n = strlen(etcd);
    for (size_t len = 0; len <= n; len++) {
        char *copy = exact_copy(etcd, len);
        CHECK(copy != NULL);
        struct rast_history *h = NULL;
        int rc = rast_history_parse("t", copy, len, &h, &err);
        CHECK(rc == 0 || rc == RAST_CHECK_EPARSE);
        rast_history_destroy(h);
        for (uint64_t pos = 0; pos < len; pos++) {
            struct porc_fields a, b;
            uint64_t end;
            const char *nl = memchr(copy + pos, '\n', len - pos);
            uint64_t eol = nl != NULL ? (uint64_t)(nl - copy) : len;
            if (porcupine_template_line(copy, pos, len, &a, &end)) {
                CHECK(porcupine_fast_line(copy, pos, eol, &b));
                CHECK_EQ_U64(end, eol);
            }
        }
        free(copy);
    }
}

/* The Jepsen fast path (jepsen_fast.c) changes nothing: every text gives the same history, or
 * the same error at the same place, with it as without it. */
static void test_jepsen_fast_path_same(void)
{
    static const char *const texts[] = {
        "{:process 9, :type :invoke, :f :append, :key \"0\", :value \"x 9 0 y\"}\n"
        "{:process 9, :type :ok, :f :append, :key \"0\", :value \"x 9 0 y\"}\n"
        "{:process 2, :type :invoke, :f :get, :key \"0\", :value nil}\n"
        "{:process 2, :type :ok, :f :get, :key \"0\", :value \"x 9 0 y, long enough\"}\n",
        "[{:type :invoke, :f :write, :value 3 :process 0 :time 12}\n"
        " {:process :nemesis, :type :info, :f :start, :value nil}\n"
        " {:process 0, :type :ok, :f :write, :value 3}\n"
        " {:process 1, :type :invoke, :f :read, :value nil}\n"
        " {:process 1, :type :info, :f :read, :value :timeout}]\n",
        /* the template with every :type and :f it fuses, and a :process too long for it */
        "{:process 3, :type :invoke, :f :read, :key \"a\", :value nil}\n"
        "{:process 3, :type :info, :f :read, :key \"a\", :value nil}\n"
        "{:process 4, :type :invoke, :f :write, :key \"a\", :value 5}\n"
        "{:process 4, :type :fail, :f :write, :key \"a\", :value 5}\n"
        "{:process 5, :type :invoke, :f :cas, :key \"a\", :value 5}\n"
        "{:process 1234567890123456789, :type :invoke, :f :put, :key \"b\", :value \"v\"}\n",
        "{:process 1, :type :invoke, :f :put, :key :k, :value :v}\n"
        "{:process 1, :type :fail, :f :put, :key :k, :value true}\n",
        "{:process 1, :type :invoke, :f :cas, :value [1 2]}{:process 1, :type :ok, :f :cas}",
        "{:process 1,:type :invoke,:f :write,:key\"a\":value-5 :extra sym}\n"
        "{:process 1 :type :ok :f :write :value 7}",
        "{:process 1, :type :invoke, :f :write, :value 1, :value 2}\n",
        "{:process 1, :type :invoke, :f :write, :value \"a\\\"b\"}\n",
        "{:process 1, :type :invoke, :f :write, :value 1}\n"
        "{:process 1, :type :invoke, :f :write, :value 2}\n",
        "{:process 1, :type :ok, :f :write, :value 1}\n",
        "{:process 1, :type :invoke, :f :write, :value 1}\n{:process 1, :type :ok, :f :read}\n",
        "{:process -1, :type :invoke, :f :write, :value 1}\n",
        "{:process 1, :type :invoke, :f :writes, :value 1}\n",
        "{:process 1, :type :invokes, :f :write, :value 1}\n",
        "{:process 1, :type :invoke, :f :write, :value true}\n",
        "{:process 1, :type :invoke, :f :write, :value 99999999999999999999}\n",
        "{:process 1, :type :invoke, :f :write, :value \"unterminated}\n",
        "{:process 1, :type :invoke, :f :write, :value 1\n",
        "{:process 1, :type :invoke, :f :write, :value}\n",
        "{:process 1, :type :invoke, :f :write, :value 12a}\n",
        "{:process 1, :type :invoke, :f :write, :value ; c\n 1}\n",
        "{:process 1, :type :invoke, :f :write, :value 1}",
        /* runs of template maps (jepsen_fast_run) broken by what the template leaves to the
         * general reader: CRLF, indentation, adjacent maps, a closing bracket, a process past
         * the process array, an integer and a nil :value, a key the general path reads */
        "[{:process 1, :type :invoke, :f :append, :key \"k\", :value \"a\"}\r\n"
        "{:process 1, :type :ok, :f :append, :key \"k\", :value \"a\"}\n"
        " {:process 4095, :type :invoke, :f :get, :key \"k\", :value nil}"
        "{:process 4095, :type :ok, :f :get, :key \"k\", :value \"a\"}\n"
        "{:process 9000, :type :invoke, :f :put, :key \"k\", :value -12}\n"
        "{:process 9000, :type :info, :f :put, :key \"k\", :value 0}]",
        "{:process 012345678901234567, :type :invoke, :f :write, :key \"\", :value \"\"}\n"
        "{:process 012345678901234567, :type :fail, :f :write, :key :k, :value nil}\n"
        "{:process 0123456789012345678, :type :invoke, :f :read, :key \"k\", :value nil}\n",
        /* a :get completing a :read: the kv vocabulary all the same */
        "{:process 1, :type :invoke, :f :read, :key \"k\", :value nil}\n"
        "{:process 1, :type :ok, :f :get, :key \"k\", :value \"a\"}\n"
        "{:process 2, :type :invoke, :f :read, :key \"k\", :value nil}\n",
        /* newlines inside strings and maps: the fast path counts them for line numbers */
        "{:process 1, :type :invoke, :f :write, :value \"a\nb\"}\n\n"
        "{:process 1,\n :type :ok, :f :write, :value \"c\n\nd\"}\n"
        "{:process 2, :type :invoke, :f :append, :key \"k\", :value \"a long string, with a\n"
        "newline past sixteen bytes\"}\n  {:process 2, :type :ok, :f :append, :key \"k\"}\n",
    };
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        char *fast = jepsen_outcome(texts[i], true), *slow = jepsen_outcome(texts[i], false);
        CHECK(fast != NULL && slow != NULL && strcmp(fast, slow) == 0);
        if (fast != NULL && slow != NULL && strcmp(fast, slow) != 0)
            fprintf(stderr, "  text %zu:\n  fast: %s\n  slow: %s\n", i, fast, slow);
        free(fast);
        free(slow);
        /* every prefix, and every byte replaced by each of a few telling ones, too */
        static const char swaps[] = "\"\\}{ :-9x,\n;#[";
        size_t n = strlen(texts[i]);
        char *cut = malloc(n + 1);
        for (size_t k = 0; cut != NULL && k < n; k++) {
            for (size_t s = 0; s <= sizeof swaps - 1; s++) {
                memcpy(cut, texts[i], n + 1);
                if (s == sizeof swaps - 1)
                    cut[k] = '\0';
                else
                    cut[k] = swaps[s];
                fast = jepsen_outcome(cut, true);
                slow = jepsen_outcome(cut, false);
                CHECK(fast != NULL && slow != NULL && strcmp(fast, slow) == 0);
                free(fast);
                free(slow);
            }
        }
        free(cut);
    }
}

static void test_knossos_edn(void)
{
    const char *edn = "[{:process 0, :type :invoke, :f :write, :value 3}\n"
                      " {:process :nemesis, :type :info, :f :start, :value nil}\n"
                      " {:process 0, :type :ok, :f :write, :value 3}\n"
                      " {:process 1, :type :invoke, :f :read, :value nil}\n"
                      " {:process 1, :type :ok, :f :read, :value 4}]\n";
    struct rast_history *h = parse(edn);
    CHECK(h != NULL);
    CHECK_EQ_U64(rast_history_op_count(h), 2);
    CHECK_EQ_U64(rast_history_model_hint(h), RAST_MODEL_KNOSSOS_CAS);
    CHECK_EQ_U64(verdict_of(h, RAST_MODEL_AUTO), RAST_CHECK_NOT_LINEARIZABLE);
    rast_history_destroy(h);
}

static void test_porcupine_kv_log(void)
{
    const char *kv = "{:process 0, :type :invoke, :f :append, :key \"0\", :value \"x 0 0 y\"}\n"
                     "{:process 0, :type :ok, :f :append, :key \"0\", :value \"x 0 0 y\"}\n"
                     "{:process 1, :type :invoke, :f :get, :key \"0\", :value nil}\n"
                     "{:process 1, :type :ok, :f :get, :key \"0\", :value \"x 0 0 y\"}\n";
    struct rast_history *h = parse(kv);
    CHECK(h != NULL);
    CHECK_EQ_U64(rast_history_model_hint(h), RAST_MODEL_KV);
    CHECK_EQ_U64(verdict_of(h, RAST_MODEL_AUTO), RAST_CHECK_LINEARIZABLE);
    rast_history_destroy(h);
}

static void test_multi_register_and_mutex_edn(void)
{
    struct rast_history *h =
        parse("[{:process 0 :type :invoke :f :txn :value [[:write :x 1] [:read :y nil]]}"
              " {:process 0 :type :ok :f :txn :value [[:write :x 1] [:read :y 0]]}"
              " {:process 1 :type :invoke :f :txn :value [[:read :x nil]]}"
              " {:process 1 :type :ok :f :txn :value [[:read :x 1]]}]");
    CHECK(h != NULL);
    CHECK_EQ_U64(rast_history_model_hint(h), RAST_MODEL_MULTI_REGISTER);
    CHECK_EQ_U64(verdict_of(h, RAST_MODEL_AUTO), RAST_CHECK_LINEARIZABLE);
    rast_history_destroy(h);
    h = parse("{:process 0 :type :invoke :f :acquire}\n{:process 0 :type :ok :f :acquire}\n"
              "{:process 1 :type :invoke :f :acquire}\n{:process 1 :type :ok :f :acquire}\n");
    CHECK(h != NULL);
    CHECK_EQ_U64(rast_history_model_hint(h), RAST_MODEL_MUTEX);
    CHECK_EQ_U64(verdict_of(h, RAST_MODEL_AUTO), RAST_CHECK_NOT_LINEARIZABLE);
    rast_history_destroy(h);
}

/* What the simulator does: build in memory, write native, read back, check. */
static void test_builder_native_round_trip(void)
{
    struct rast_history *h = rast_history_create();
    uint32_t put, get, cas, lost;
    struct rast_value k1 = RAST_STR("k 1", 3), v = RAST_STR("va\"l\n", 5), k2 = RAST_INT(-7);
    CHECK(rast_history_invoke(h, 1, 10, RAST_F_WRITE, &k1, &v, NULL, &put) == 0);
    CHECK(rast_history_invoke(h, 2, 11, RAST_F_READ, &k1, NULL, NULL, &get) == 0);
    CHECK(rast_history_complete(h, put, 12, RAST_OUTCOME_OK, NULL) == 0);
    CHECK(rast_history_complete(h, get, 13, RAST_OUTCOME_OK, &v) == 0);
    struct rast_value e = RAST_NIL, n = RAST_INT(INT64_MIN);
    CHECK(rast_history_invoke(h, 3, 14, RAST_F_CAS, &k2, &e, &n, &cas) == 0);
    CHECK(rast_history_complete(h, cas, 15, RAST_OUTCOME_FAIL, NULL) == 0);
    CHECK(rast_history_invoke(h, 4, 16, RAST_F_WRITE, &k2, &n, NULL, &lost) == 0);
    CHECK(rast_history_complete(h, 99, 17, RAST_OUTCOME_OK, NULL) == RAST_CHECK_EINVAL);
    CHECK(rast_history_complete(h, put, 17, RAST_OUTCOME_OK, NULL) == RAST_CHECK_EINVAL);
    CHECK(rast_history_invoke(h, 5, 1, RAST_F_READ, &k1, NULL, NULL, &lost) == RAST_CHECK_EINVAL);
    CHECK_EQ_U64(verdict_of(h, RAST_MODEL_KV), RAST_CHECK_NOT_LINEARIZABLE); /* cas nil fails */
    char *text = native_text(h);
    CHECK(text != NULL);
    struct rast_history *back = parse(text);
    CHECK(back != NULL);
    char *again = native_text(back);
    CHECK(again != NULL && strcmp(text, again) == 0);
    CHECK_EQ_U64(verdict_of(back, RAST_MODEL_AUTO), RAST_CHECK_NOT_LINEARIZABLE);
    free(text);
    free(again);
    rast_history_destroy(back);
    rast_history_destroy(h);
}

static void test_edn_writer_round_trip(void)
{
    const char *edn = "[{:process 0, :type :invoke, :f :cas, :value [1 2]}\n"
                      " {:process 1, :type :invoke, :f :read, :value nil}\n"
                      " {:process 0, :type :info, :f :cas, :value [1 2]}\n"
                      " {:process 1, :type :ok, :f :read, :value 2}\n"
                      " {:process 2, :type :invoke, :f :txn, :value [[:read :x nil]]}\n"
                      " {:process 2, :type :fail, :f :txn, :value [[:read :x nil]]}]\n";
    struct rast_history *h = parse(edn);
    CHECK(h != NULL);
    char *a = edn_text(h);
    CHECK(a != NULL && strcmp(a, edn) == 0);
    struct rast_history *back = parse(a);
    char *b = back != NULL ? edn_text(back) : NULL;
    CHECK(b != NULL && strcmp(a, b) == 0);
    free(a);
    free(b);
    rast_history_destroy(back);
    rast_history_destroy(h);
}

int main(int argc, char **argv)
{
    static const struct rast_test tests[] = {
        RAST_TEST(test_porcupine_etcd_log),
        RAST_TEST(test_porcupine_fast_path_accepts),
        RAST_TEST(test_porcupine_fast_path_falls_back),
        RAST_TEST(test_porcupine_template_same),
        RAST_TEST(test_templates_exact_prefixes),
        RAST_TEST(test_knossos_edn),
        RAST_TEST(test_porcupine_kv_log),
        RAST_TEST(test_multi_register_and_mutex_edn),
        RAST_TEST(test_jepsen_fast_path_same),
        RAST_TEST(test_builder_native_round_trip),
        RAST_TEST(test_edn_writer_round_trip),
    };
    return rast_test_main(argc, argv, tests, RAST_TEST_COUNT(tests));
}
