/* SPDX-License-Identifier: BSD-3-Clause */
/* Which payloads each exchange may carry, and where. */
#include <errno.h>
#include <string.h>

#include "ike_rules.h"
#include "ike_writer.h"
#include "unit_util.h"

struct built {
    uint8_t buf[1024];
    uint8_t plain[512];
    struct ike_msg msg;
};

/* Writes a chain of empty payloads of the given types (bodies do not matter to the rules). */
static void write_chain(struct ike_writer *w, const uint8_t *types, size_t n)
{
    for (size_t i = 0; i < n; i++)
        ike_w_payload_end(w, ike_w_payload_begin(w, types[i], false));
}

/*
 * Builds and decodes a message. For encrypted exchanges `inner` goes into a
 * fake decrypted plaintext and is added with ike_msg_decode_inner().
 */
static int build(struct built *b, uint8_t exchange, bool response, const uint8_t *outer,
                 size_t nouter, const uint8_t *inner, size_t ninner, struct ike_err *err)
{
    struct ike_writer w;
    struct ike_hdr h = {.spi_i = 1,
                        .spi_r = 2,
                        .version = 0x20,
                        .exchange = exchange,
                        .flags = response ? IKE_FLAG_RESPONSE : IKE_FLAG_INITIATOR};
    ike_w_init(&w, b->buf, sizeof(b->buf), false);
    ike_w_header(&w, &h);
    write_chain(&w, outer, nouter);
    long n = ike_w_finish(&w);
    assert_true(n > 0);
    assert_int_equal(ike_msg_decode(b->buf, (size_t)n, &b->msg, err), 0);
    if (inner != NULL) {
        ike_w_init(&w, b->plain, sizeof(b->plain), false);
        /* No header to chain from: the SK header holds the first inner type. */
        uint8_t first = ninner ? inner[0] : IKE_PL_NONE;
        write_chain(&w, inner, ninner);
        assert_false(w.overflow);
        assert_int_equal(ike_msg_decode_inner(&b->msg, b->plain, w.len, first, 100, err), 0);
    }
    return ike_msg_check_rules(&b->msg, err);
}

#define N(a) (sizeof(a) / sizeof(a[0]))

static void expect(int rc, const struct ike_err *e, enum ike_err_code code, uint8_t pl)
{
    if (code == IKE_ERR_OK) {
        assert_int_equal(rc, 0);
        return;
    }
    assert_int_equal(rc, -EBADMSG);
    assert_string_equal(ike_err_name(e->code), ike_err_name(code));
    assert_int_equal(e->payload, pl);
}

static void test_ike_sa_init(void **state)
{
    (void)state;
    static struct built b;
    struct ike_err e;
    const uint8_t ok[] = {IKE_PL_SA,     IKE_PL_KE,     IKE_PL_NONCE,
                          IKE_PL_NOTIFY, IKE_PL_NOTIFY, IKE_PL_VENDOR};
    expect(build(&b, IKE_EXCH_IKE_SA_INIT, false, ok, N(ok), NULL, 0, &e), &e, IKE_ERR_OK, 0);

    const uint8_t no_ke[] = {IKE_PL_SA, IKE_PL_NONCE};
    expect(build(&b, IKE_EXCH_IKE_SA_INIT, false, no_ke, N(no_ke), NULL, 0, &e), &e,
           IKE_ERR_RULE_PAYLOAD_MISSING, IKE_PL_KE);
    const uint8_t two_nonces[] = {IKE_PL_SA, IKE_PL_KE, IKE_PL_NONCE, IKE_PL_NONCE};
    expect(build(&b, IKE_EXCH_IKE_SA_INIT, false, two_nonces, N(two_nonces), NULL, 0, &e), &e,
           IKE_ERR_RULE_PAYLOAD_REPEATED, IKE_PL_NONCE);
    const uint8_t with_auth[] = {IKE_PL_SA, IKE_PL_KE, IKE_PL_NONCE, IKE_PL_AUTH};
    expect(build(&b, IKE_EXCH_IKE_SA_INIT, false, with_auth, N(with_auth), NULL, 0, &e), &e,
           IKE_ERR_RULE_PAYLOAD_NOT_ALLOWED, IKE_PL_AUTH);
    const uint8_t with_sk[] = {IKE_PL_SA, IKE_PL_KE, IKE_PL_NONCE, IKE_PL_SK};
    expect(build(&b, IKE_EXCH_IKE_SA_INIT, false, with_sk, N(with_sk), NULL, 0, &e), &e,
           IKE_ERR_RULE_PAYLOAD_NOT_ALLOWED, IKE_PL_SK);
    /* CERTREQ only in the response. */
    const uint8_t certreq[] = {IKE_PL_SA, IKE_PL_KE, IKE_PL_NONCE, IKE_PL_CERTREQ};
    expect(build(&b, IKE_EXCH_IKE_SA_INIT, false, certreq, N(certreq), NULL, 0, &e), &e,
           IKE_ERR_RULE_PAYLOAD_NOT_ALLOWED, IKE_PL_CERTREQ);
    expect(build(&b, IKE_EXCH_IKE_SA_INIT, true, certreq, N(certreq), NULL, 0, &e), &e, IKE_ERR_OK,
           0);
    /* COOKIE / REDIRECT / INVALID_KE_PAYLOAD replies are notify-only responses. */
    const uint8_t notify_only[] = {IKE_PL_NOTIFY};
    expect(build(&b, IKE_EXCH_IKE_SA_INIT, true, notify_only, 1, NULL, 0, &e), &e, IKE_ERR_OK, 0);
    /* ... but a request of notifies only is not an IKE_SA_INIT request. */
    expect(build(&b, IKE_EXCH_IKE_SA_INIT, false, notify_only, 1, NULL, 0, &e), &e,
           IKE_ERR_RULE_PAYLOAD_MISSING, IKE_PL_SA);
}

static void test_encrypted_exchanges(void **state)
{
    (void)state;
    static struct built b;
    struct ike_err e;
    const uint8_t sk[] = {IKE_PL_SK};
    const uint8_t auth_req[] = {IKE_PL_IDI,    IKE_PL_CERT, IKE_PL_CERTREQ, IKE_PL_AUTH,
                                IKE_PL_NOTIFY, IKE_PL_SA,   IKE_PL_TSI,     IKE_PL_TSR};
    /* Before decryption only the outer layer is judged. */
    expect(build(&b, IKE_EXCH_IKE_AUTH, false, sk, 1, NULL, 0, &e), &e, IKE_ERR_OK, 0);
    expect(build(&b, IKE_EXCH_IKE_AUTH, false, sk, 1, auth_req, N(auth_req), &e), &e, IKE_ERR_OK,
           0);
    const uint8_t skf[] = {IKE_PL_SKF};
    expect(build(&b, IKE_EXCH_IKE_AUTH, false, skf, 1, auth_req, N(auth_req), &e), &e, IKE_ERR_OK,
           0);

    /* Payloads outside SK, or no SK at all. */
    const uint8_t plain_id[] = {IKE_PL_IDI, IKE_PL_SK};
    expect(build(&b, IKE_EXCH_IKE_AUTH, false, plain_id, N(plain_id), NULL, 0, &e), &e,
           IKE_ERR_RULE_MUST_BE_ENCRYPTED, IKE_PL_IDI);
    expect(build(&b, IKE_EXCH_INFORMATIONAL, false, NULL, 0, NULL, 0, &e), &e,
           IKE_ERR_RULE_SK_MISSING, IKE_PL_NONE);

    /* Child SA payloads come together. */
    const uint8_t no_tsr[] = {IKE_PL_IDI, IKE_PL_AUTH, IKE_PL_SA, IKE_PL_TSI};
    expect(build(&b, IKE_EXCH_IKE_AUTH, false, sk, 1, no_tsr, N(no_tsr), &e), &e,
           IKE_ERR_RULE_PAYLOAD_MISSING, IKE_PL_TSR);
    const uint8_t no_sa[] = {IKE_PL_IDI, IKE_PL_AUTH, IKE_PL_TSI, IKE_PL_TSR};
    expect(build(&b, IKE_EXCH_IKE_AUTH, false, sk, 1, no_sa, N(no_sa), &e), &e,
           IKE_ERR_RULE_PAYLOAD_MISSING, IKE_PL_SA);
    const uint8_t two_auth[] = {IKE_PL_IDI, IKE_PL_AUTH, IKE_PL_AUTH};
    expect(build(&b, IKE_EXCH_IKE_AUTH, false, sk, 1, two_auth, N(two_auth), &e), &e,
           IKE_ERR_RULE_PAYLOAD_REPEATED, IKE_PL_AUTH);
    const uint8_t ke_in_auth[] = {IKE_PL_IDI, IKE_PL_AUTH, IKE_PL_KE};
    expect(build(&b, IKE_EXCH_IKE_AUTH, false, sk, 1, ke_in_auth, N(ke_in_auth), &e), &e,
           IKE_ERR_RULE_PAYLOAD_NOT_ALLOWED, IKE_PL_KE);
    /* IDi only in requests; IDr answers. */
    const uint8_t idi_resp[] = {IKE_PL_IDI, IKE_PL_AUTH};
    expect(build(&b, IKE_EXCH_IKE_AUTH, true, sk, 1, idi_resp, N(idi_resp), &e), &e,
           IKE_ERR_RULE_PAYLOAD_NOT_ALLOWED, IKE_PL_IDI);
    /* An AUTHENTICATION_FAILED response. */
    const uint8_t failed[] = {IKE_PL_NOTIFY};
    expect(build(&b, IKE_EXCH_IKE_AUTH, true, sk, 1, failed, 1, &e), &e, IKE_ERR_OK, 0);

    /* CREATE_CHILD_SA: Child SA with PFS, IKE SA rekey, a missing nonce. */
    const uint8_t child[] = {IKE_PL_NOTIFY, IKE_PL_SA,  IKE_PL_NONCE,
                             IKE_PL_KE,     IKE_PL_TSI, IKE_PL_TSR};
    expect(build(&b, IKE_EXCH_CREATE_CHILD_SA, false, sk, 1, child, N(child), &e), &e, IKE_ERR_OK,
           0);
    const uint8_t rekey_ike[] = {IKE_PL_SA, IKE_PL_NONCE, IKE_PL_KE};
    expect(build(&b, IKE_EXCH_CREATE_CHILD_SA, true, sk, 1, rekey_ike, N(rekey_ike), &e), &e,
           IKE_ERR_OK, 0);
    const uint8_t no_nonce[] = {IKE_PL_SA, IKE_PL_KE};
    expect(build(&b, IKE_EXCH_CREATE_CHILD_SA, false, sk, 1, no_nonce, N(no_nonce), &e), &e,
           IKE_ERR_RULE_PAYLOAD_MISSING, IKE_PL_NONCE);
    expect(build(&b, IKE_EXCH_CREATE_CHILD_SA, true, sk, 1, failed, 1, &e), &e, IKE_ERR_OK, 0);

    /* INFORMATIONAL: empty (liveness), deletes, notifies; nothing else. */
    const uint8_t *empty = (const uint8_t *)"";
    expect(build(&b, IKE_EXCH_INFORMATIONAL, false, sk, 1, empty, 0, &e), &e, IKE_ERR_OK, 0);
    const uint8_t dels[] = {IKE_PL_DELETE, IKE_PL_DELETE, IKE_PL_NOTIFY};
    expect(build(&b, IKE_EXCH_INFORMATIONAL, false, sk, 1, dels, N(dels), &e), &e, IKE_ERR_OK, 0);
    const uint8_t info_sa[] = {IKE_PL_SA};
    expect(build(&b, IKE_EXCH_INFORMATIONAL, true, sk, 1, info_sa, 1, &e), &e,
           IKE_ERR_RULE_PAYLOAD_NOT_ALLOWED, IKE_PL_SA);
}

static void test_unknown_exchange_and_payloads(void **state)
{
    (void)state;
    static struct built b;
    struct ike_err e;
    const uint8_t sk[] = {IKE_PL_SK};
    expect(build(&b, 99, false, sk, 1, NULL, 0, &e), &e, IKE_ERR_HDR_UNKNOWN_EXCHANGE, IKE_PL_NONE);
    /* Unknown non-critical payloads are ignored wherever they are. */
    const uint8_t with_unknown[] = {IKE_PL_SA, 200, IKE_PL_KE, IKE_PL_NONCE};
    expect(build(&b, IKE_EXCH_IKE_SA_INIT, false, with_unknown, N(with_unknown), NULL, 0, &e), &e,
           IKE_ERR_OK, 0);
    const uint8_t inner_unknown[] = {201};
    expect(build(&b, IKE_EXCH_INFORMATIONAL, false, sk, 1, inner_unknown, 1, &e), &e, IKE_ERR_OK,
           0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ike_sa_init),
        cmocka_unit_test(test_encrypted_exchanges),
        cmocka_unit_test(test_unknown_exchange_and_payloads),
    };
    return cmocka_run_group_tests_name("rules", tests, NULL, NULL);
}
