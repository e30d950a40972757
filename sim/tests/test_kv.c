/* Pins down the key-value state machine and its entry format: put, cas that matches and cas
 * that fails, and decoding that rejects anything that is not an operation. */
#include "kv.h"
#include "rast_test.h"

static void test_roundtrip(void)
{
    struct kv_op op = {.type = KV_CAS, .key = 5, .client = 3, .request = 77, .v1 = 1ull << 40,
                       .v2 = 12345};
    uint8_t buf[KV_OP_BYTES];
    kv_encode(&op, buf);
    struct kv_op back;
    CHECK(kv_decode(buf, sizeof buf, &back));
    CHECK_EQ_U64(back.type, KV_CAS);
    CHECK_EQ_U64(back.key, 5);
    CHECK_EQ_U64(back.client, 3);
    CHECK_EQ_U64(back.request, 77);
    CHECK_EQ_U64(back.v1, 1ull << 40);
    CHECK_EQ_U64(back.v2, 12345);
    CHECK(!kv_decode(buf, sizeof buf - 1, &back));
    CHECK(!kv_decode(NULL, 0, &back));
    buf[2] = KV_KEYS_MAX;
    CHECK(!kv_decode(buf, sizeof buf, &back));
}

static void test_put_and_cas(void)
{
    struct kv kv;
    kv_reset(&kv);
    uint64_t before = 99;
    struct kv_op put = {.type = KV_PUT, .key = 1, .v1 = 10};
    CHECK(kv_apply(&kv, &put, &before));
    CHECK_EQ_U64(before, 0);
    struct kv_op cas = {.type = KV_CAS, .key = 1, .v1 = 10, .v2 = 11};
    CHECK(kv_apply(&kv, &cas, &before));
    CHECK_EQ_U64(kv.values[1], 11);
    CHECK(!kv_apply(&kv, &cas, &before)); /* expects 10, holds 11 */
    CHECK_EQ_U64(before, 11);
    CHECK_EQ_U64(kv.values[1], 11);
}

int main(int argc, char **argv)
{
    static const struct rast_test tests[] = {
        RAST_TEST(test_roundtrip),
        RAST_TEST(test_put_and_cas),
    };
    return rast_test_main(argc, argv, tests, RAST_TEST_COUNT(tests));
}
