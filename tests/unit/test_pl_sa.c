/* SPDX-License-Identifier: BSD-3-Clause */
/* SA payload codec: proposals, transforms, attributes. */
#include "unit_pl.h"

/* strongSwan 5.9.8's SA payloads start right after the IKE header. */
#define SA_OFF 28

static void expect_transform(const struct ike_sa_payload *sa, const struct ike_proposal *p,
                             unsigned i, uint8_t type, uint16_t id, uint16_t key_len)
{
    const struct ike_transform *t = ike_proposal_transform(sa, p, i);
    assert_int_equal(t->type, type);
    assert_int_equal(t->id, id);
    assert_int_equal(t->key_len, key_len);
}

/* Field by field: struct ike_transform has a padding byte memcmp would see. */
static void expect_same_sa(const struct ike_sa_payload *a, const struct ike_sa_payload *b)
{
    assert_int_equal(a->nproposals, b->nproposals);
    assert_int_equal(a->ntransforms, b->ntransforms);
    for (unsigned i = 0; i < a->nproposals; i++) {
        const struct ike_proposal *p = &a->proposals[i], *q = &b->proposals[i];
        assert_int_equal(p->num, q->num);
        assert_int_equal(p->protocol, q->protocol);
        assert_int_equal(p->spi_size, q->spi_size);
        assert_memory_equal(p->spi, q->spi, p->spi_size);
        assert_int_equal(p->ntransforms, q->ntransforms);
        assert_int_equal(p->first, q->first);
    }
    for (unsigned i = 0; i < a->ntransforms; i++) {
        assert_int_equal(a->transforms[i].type, b->transforms[i].type);
        assert_int_equal(a->transforms[i].id, b->transforms[i].id);
        assert_int_equal(a->transforms[i].key_len, b->transforms[i].key_len);
    }
}

/* Re-encodes a decoded SA and checks it gives the captured payload back, byte for byte. */
static void expect_reencodes(const struct ike_sa_payload *sa, const uint8_t *wire, size_t len)
{
    uint8_t buf[1024];
    struct ike_writer w;
    unit_w_init(&w, buf, sizeof(buf));
    assert_int_equal(ike_sa_encode(&w, sa), 0);
    assert_int_equal(w.len, len);
    /* The next-payload byte belongs to the chain, not to the SA. */
    assert_int_equal(buf[0], IKE_PL_NONE);
    assert_memory_equal(buf + 1, wire + 1, len - 1);
}

/* strongSwan's default IKE proposals: 34 transforms, then 36 with the AEAD ciphers. */
static void test_capture_offer(void **state)
{
    (void)state;
    uint8_t msg[2048];
    assert_int_equal(unit_pcap_udp_payload(UNIT_SWAN_DEFAULT, 0, msg, sizeof(msg)), 892);
    assert_int_equal(msg[16], IKE_PL_SA);
    struct ike_pl pl = unit_pl_at(msg, SA_OFF, IKE_PL_SA);
    assert_int_equal(pl.len, 696);
    assert_int_equal(pl.next, IKE_PL_KE);
    static struct ike_sa_payload sa;
    struct ike_err err = {0};
    assert_int_equal(ike_sa_decode(&pl, &sa, &err), 0);
    assert_int_equal(sa.nproposals, 2);
    assert_int_equal(sa.ntransforms, 70);

    const struct ike_proposal *p1 = &sa.proposals[0];
    assert_int_equal(p1->num, 1);
    assert_int_equal(p1->protocol, IKE_PROTO_IKE);
    assert_int_equal(p1->spi_size, 0);
    assert_int_equal(p1->ntransforms, 34);
    assert_int_equal(p1->first, 0);
    expect_transform(&sa, p1, 0, IKE_TT_ENCR, IKE_ENCR_AES_CBC, 128);
    expect_transform(&sa, p1, 2, IKE_TT_ENCR, IKE_ENCR_AES_CBC, 256);
    expect_transform(&sa, p1, 6, IKE_TT_ENCR, IKE_ENCR_CAMELLIA_CBC, 128);
    expect_transform(&sa, p1, 12, IKE_TT_ENCR, IKE_ENCR_3DES, IKE_KEY_LEN_NONE);
    expect_transform(&sa, p1, 13, IKE_TT_INTEG, IKE_INTEG_HMAC_SHA2_256_128, 0);
    expect_transform(&sa, p1, 17, IKE_TT_PRF, IKE_PRF_HMAC_SHA2_256, 0);
    expect_transform(&sa, p1, 21, IKE_TT_DH, IKE_DH_CURVE25519, 0);
    expect_transform(&sa, p1, 33, IKE_TT_DH, IKE_DH_MODP_2048, 0);

    const struct ike_proposal *p2 = &sa.proposals[1];
    assert_int_equal(p2->num, 2);
    assert_int_equal(p2->protocol, IKE_PROTO_IKE);
    assert_int_equal(p2->ntransforms, 36);
    assert_int_equal(p2->first, 34);
    expect_transform(&sa, p2, 0, IKE_TT_ENCR, IKE_ENCR_AES_GCM_16, 128);

    expect_reencodes(&sa, msg + SA_OFF, 700);
}

/* The responder's answer: one proposal, the accepted transforms. */
static void test_capture_answer(void **state)
{
    (void)state;
    uint8_t msg[2048];
    assert_int_equal(unit_pcap_udp_payload(UNIT_SWAN_DEFAULT, 1, msg, sizeof(msg)), 248);
    assert_int_equal(msg[16], IKE_PL_SA);
    struct ike_pl pl = unit_pl_at(msg, SA_OFF, IKE_PL_SA);
    struct ike_sa_payload sa;
    assert_int_equal(ike_sa_decode(&pl, &sa, NULL), 0);
    assert_int_equal(sa.nproposals, 1);
    assert_int_equal(sa.ntransforms, 4);
    const struct ike_proposal *p = &sa.proposals[0];
    assert_int_equal(p->num, 1);
    expect_transform(&sa, p, 0, IKE_TT_ENCR, IKE_ENCR_AES_CBC, 128);
    expect_transform(&sa, p, 1, IKE_TT_INTEG, IKE_INTEG_HMAC_SHA2_256_128, 0);
    expect_transform(&sa, p, 2, IKE_TT_PRF, IKE_PRF_HMAC_SHA2_256, 0);
    expect_transform(&sa, p, 3, IKE_TT_DH, IKE_DH_CURVE25519, 0);
    expect_reencodes(&sa, msg + SA_OFF, 48);

    /* The AES-GCM / X25519 capture's single offered proposal. */
    assert_int_equal(unit_pcap_udp_payload(UNIT_SWAN_NATT, 0, msg, sizeof(msg)), 232);
    pl = unit_pl_at(msg, SA_OFF, IKE_PL_SA);
    assert_int_equal(ike_sa_decode(&pl, &sa, NULL), 0);
    assert_int_equal(sa.nproposals, 1);
    assert_int_equal(sa.ntransforms, 3);
    p = &sa.proposals[0];
    expect_transform(&sa, p, 0, IKE_TT_ENCR, IKE_ENCR_AES_GCM_16, 128);
    expect_transform(&sa, p, 1, IKE_TT_PRF, IKE_PRF_HMAC_SHA2_256, 0);
    expect_transform(&sa, p, 2, IKE_TT_DH, IKE_DH_CURVE25519, 0);
    expect_reencodes(&sa, msg + SA_OFF, 40);
}

/* A fault deep in the capture is reported at its offset from the IKE header. */
static void test_capture_fault_offset(void **state)
{
    (void)state;
    uint8_t msg[2048];
    assert_int_equal(unit_pcap_udp_payload(UNIT_SWAN_DEFAULT, 0, msg, sizeof(msg)), 892);
    /* Proposal 2 starts at SA body + 328; its first transform's attribute 16 bytes later. */
    const size_t attr = SA_OFF + 4 + 328 + 8 + 8;
    assert_int_equal(ike_get16(msg + attr), 0x800e);
    msg[attr + 1] = 0x0f;
    struct ike_pl pl = unit_pl_at(msg, SA_OFF, IKE_PL_SA);
    static struct ike_sa_payload sa;
    struct ike_err err = {0};
    UNIT_EXPECT_ERR(ike_sa_decode(&pl, &sa, &err), err, IKE_ERR_SA_ATTR_UNKNOWN, IKE_PL_SA, attr);
}

/* ESP with a 4-byte SPI: AES-GCM-16/256 and no ESN. */
static void test_esp_vector(void **state)
{
    (void)state;
    struct ike_sa_payload sa = {
        .nproposals = 1,
        .ntransforms = 2,
        .proposals = {{.num = 1,
                       .protocol = IKE_PROTO_ESP,
                       .spi_size = 4,
                       .spi = {0x05, 0x23, 0x57, 0xbb},
                       .ntransforms = 2}},
        .transforms = {{IKE_TT_ENCR, IKE_ENCR_AES_GCM_16, 256}, {IKE_TT_ESN, IKE_ESN_NO_ESN, 0}},
    };
    uint8_t buf[64];
    struct ike_sa_payload back;
    UNIT_ROUND_TRIP(buf,
                    "00 00 0024"
                    "00 00 0020 01 03 04 02 052357bb"
                    "03 00 000c 01 00 0014 800e 0100"
                    "00 00 0008 05 00 0000",
                    IKE_PL_SA, ike_sa_decode, &back, ike_sa_encode, &sa);
    expect_same_sa(&back, &sa);
}

/* The example of RFC 7296 3.3: two ESP proposals of 7 and 4 transforms. */
static void test_rfc_example_round_trip(void **state)
{
    (void)state;
    static struct ike_sa_payload sa = {
        .nproposals = 2,
        .ntransforms = 11,
        .proposals = {{.num = 1,
                       .protocol = IKE_PROTO_ESP,
                       .spi_size = 4,
                       .spi = {0x05, 0x23, 0x57, 0xbb},
                       .ntransforms = 7,
                       .first = 0},
                      {.num = 2,
                       .protocol = IKE_PROTO_ESP,
                       .spi_size = 4,
                       .spi = {0x35, 0xa1, 0xd6, 0xf2},
                       .ntransforms = 4,
                       .first = 7}},
        .transforms = {{IKE_TT_ENCR, IKE_ENCR_AES_CBC, 128},
                       {IKE_TT_ENCR, IKE_ENCR_AES_CBC, 192},
                       {IKE_TT_ENCR, IKE_ENCR_AES_CBC, 256},
                       {IKE_TT_INTEG, IKE_INTEG_HMAC_SHA1_96, 0},
                       {IKE_TT_INTEG, IKE_INTEG_AES_XCBC_96, 0},
                       {IKE_TT_ESN, IKE_ESN_ESN, 0},
                       {IKE_TT_ESN, IKE_ESN_NO_ESN, 0},
                       {IKE_TT_ENCR, IKE_ENCR_AES_GCM_8, 128},
                       {IKE_TT_ENCR, IKE_ENCR_AES_GCM_8, 256},
                       {IKE_TT_ESN, IKE_ESN_ESN, 0},
                       {IKE_TT_ESN, IKE_ESN_NO_ESN, 0}},
    };
    uint8_t buf[256];
    struct ike_writer w;
    unit_w_init(&w, buf, sizeof(buf));
    assert_int_equal(ike_sa_encode(&w, &sa), 0);
    /* 4 + (8 + 4 + 3 * 12 + 4 * 8) + (8 + 4 + 2 * 12 + 2 * 8) */
    assert_int_equal(w.len, 4 + 80 + 52);
    struct ike_pl pl = unit_pl_at(buf, 0, IKE_PL_SA);
    static struct ike_sa_payload back;
    assert_int_equal(ike_sa_decode(&pl, &back, NULL), 0);
    expect_same_sa(&back, &sa);
}

/* An IKE rekey carries an 8-byte SPI; an answer keeps the number of the proposal it took. */
static void test_ike_rekey_and_answer_numbers(void **state)
{
    (void)state;
    uint8_t b[64];
    size_t n =
        unit_hex("00 00 0018 03 01 08 01 0102030405060708 00000008 04 00 001f", b, sizeof(b));
    struct ike_pl pl = ike_pl_from_body(IKE_PL_SA, b, n);
    struct ike_sa_payload sa;
    assert_int_equal(ike_sa_decode(&pl, &sa, NULL), 0);
    assert_int_equal(sa.proposals[0].num, 3);
    assert_int_equal(sa.proposals[0].spi_size, 8);
    assert_memory_equal(sa.proposals[0].spi, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
    expect_transform(&sa, &sa.proposals[0], 0, IKE_TT_DH, IKE_DH_CURVE25519, 0);

    /* An unknown transform type is policy's business, not a syntax error. */
    n = unit_hex("00 00 0014 01 02 04 01 aabbccdd 00000008 09 00 1234", b, sizeof(b));
    pl = ike_pl_from_body(IKE_PL_SA, b, n);
    assert_int_equal(ike_sa_decode(&pl, &sa, NULL), 0);
    expect_transform(&sa, &sa.proposals[0], 0, 9, 0x1234, 0);
}

/* One transform ENCR AES-CBC without attributes, as the tail of most cases below. */
#define XF_LAST "00 00 0008 01 00 000c"

static const struct unit_bad_pl bad_sas[] = {
    {"", IKE_ERR_SA_NO_PROPOSALS, 4},
    /* Proposal structure. */
    {"00 00 0010 01 01 00", IKE_ERR_SA_PROP_TRUNCATED, 4},
    {"00 00 0007 01 01 00 01" XF_LAST, IKE_ERR_SA_PROP_TRUNCATED, 6},
    {"00 00 0018 01 01 00 01" XF_LAST, IKE_ERR_SA_PROP_TRUNCATED, 6},
    {"00 00 000a 01 03 04 01 0102", IKE_ERR_SA_PROP_TRUNCATED, 12},
    {"01 00 0010 01 01 00 01" XF_LAST, IKE_ERR_SA_PROP_BAD_LAST, 4},
    {"03 00 0010 01 01 00 01" XF_LAST, IKE_ERR_SA_PROP_BAD_LAST, 4},
    {"02 00 0010 01 01 00 01" XF_LAST, IKE_ERR_SA_PROP_LAST_MISMATCH, 4},
    {"00 00 0010 01 01 00 01" XF_LAST "00 00 0010 02 01 00 01" XF_LAST,
     IKE_ERR_SA_PROP_LAST_MISMATCH, 4},
    /* Proposal numbers: never 0, 1 first in an offer, then one more each time. */
    {"00 00 0010 00 01 00 01" XF_LAST, IKE_ERR_SA_PROP_BAD_NUMBER, 8},
    {"02 00 0010 02 01 00 01" XF_LAST "00 00 0010 03 01 00 01" XF_LAST, IKE_ERR_SA_PROP_BAD_NUMBER,
     8},
    {"02 00 0010 01 01 00 01" XF_LAST "00 00 0010 01 01 00 01" XF_LAST, IKE_ERR_SA_PROP_BAD_NUMBER,
     24},
    {"02 00 0010 01 01 00 01" XF_LAST "00 00 0010 03 01 00 01" XF_LAST, IKE_ERR_SA_PROP_BAD_NUMBER,
     24},
    {"00 00 0010 01 00 00 01" XF_LAST, IKE_ERR_SA_PROP_BAD_PROTOCOL, 9},
    {"00 00 0010 01 04 00 01" XF_LAST, IKE_ERR_SA_PROP_BAD_PROTOCOL, 9},
    {"00 00 0014 01 01 04 01 01020304" XF_LAST, IKE_ERR_SA_PROP_BAD_SPI_SIZE, 10},
    {"00 00 0010 01 03 00 01" XF_LAST, IKE_ERR_SA_PROP_BAD_SPI_SIZE, 10},
    {"00 00 0018 01 02 08 01 0102030405060708" XF_LAST, IKE_ERR_SA_PROP_BAD_SPI_SIZE, 10},
    {"00 00 0008 01 01 00 00", IKE_ERR_SA_PROP_NO_TRANSFORMS, 11},
    {"00 00 0010 01 01 00 02" XF_LAST, IKE_ERR_SA_PROP_TRANSFORM_COUNT, 20},
    {"00 00 0018 01 01 00 01 03 00 0008 01 00 000c" XF_LAST, IKE_ERR_SA_PROP_TRANSFORM_COUNT, 20},
    /* Transform structure. */
    {"00 00 000c 01 01 00 01 00000004", IKE_ERR_SA_XFORM_TRUNCATED, 12},
    {"00 00 0010 01 01 00 01 00 00 0007 01 00 000c", IKE_ERR_SA_XFORM_TRUNCATED, 14},
    {"00 00 0010 01 01 00 01 00 00 000c 01 00 000c", IKE_ERR_SA_XFORM_TRUNCATED, 14},
    {"00 00 0010 01 01 00 01 02 00 0008 01 00 000c", IKE_ERR_SA_XFORM_BAD_LAST, 12},
    {"00 00 0010 01 01 00 01 03 00 0008 01 00 000c", IKE_ERR_SA_XFORM_LAST_MISMATCH, 12},
    {"00 00 0018 01 01 00 02 00 00 0008 01 00 000c" XF_LAST, IKE_ERR_SA_XFORM_LAST_MISMATCH, 12},
    /* Attributes. */
    {"00 00 0012 01 01 00 01 00 00 000a 01 00 000c 800e", IKE_ERR_SA_ATTR_TRUNCATED, 20},
    {"00 00 0016 01 01 00 01 00 00 000e 01 00 000c 0011 0004 aabb", IKE_ERR_SA_ATTR_TRUNCATED, 22},
    {"00 00 0016 01 01 00 01 00 00 000e 01 00 000c 000e 0002 0080",
     IKE_ERR_SA_ATTR_KEY_LENGTH_FORMAT, 20},
    {"00 00 0018 01 01 00 01 00 00 0010 01 00 000c 800e 0080 800e 0100", IKE_ERR_SA_ATTR_DUPLICATE,
     24},
    {"00 00 0014 01 01 00 01 00 00 000c 01 00 000c 800f 0001", IKE_ERR_SA_ATTR_UNKNOWN, 20},
    {"00 00 0017 01 01 00 01 00 00 000f 01 00 000c 0011 0003 aabbcc", IKE_ERR_SA_ATTR_UNKNOWN, 20},
};

static void test_malformed(void **state)
{
    (void)state;
    UNIT_EXPECT_ALL_REFUSED(bad_sas, IKE_PL_SA, ike_sa_decode, struct ike_sa_payload);
}

/* Appends a minimal proposal (`nxf` transforms of 8 bytes) to b; returns the new length. */
static size_t put_proposal(uint8_t *b, size_t len, uint8_t num, unsigned nxf, bool last)
{
    uint8_t *p = b + len;
    p[0] = last ? 0 : 2;
    p[1] = 0;
    ike_put16(p + 2, (uint16_t)(8 + 8 * nxf));
    p[4] = num;
    p[5] = IKE_PROTO_IKE;
    p[6] = 0;
    p[7] = (uint8_t)nxf;
    for (unsigned i = 0; i < nxf; i++) {
        uint8_t *t = p + 8 + 8 * i;
        t[0] = i + 1 == nxf ? 0 : 3;
        t[1] = 0;
        ike_put16(t + 2, 8);
        t[4] = IKE_TT_DH;
        t[5] = 0;
        ike_put16(t + 6, (uint16_t)i);
    }
    return len + 8 + 8 * nxf;
}

static void test_bounds(void **state)
{
    (void)state;
    static uint8_t b[4096];
    static struct ike_sa_payload sa;
    struct ike_err err = {0};

    /* 32 proposals fit, the 33rd does not. */
    size_t n = 0;
    for (unsigned i = 1; i <= IKE_SA_MAX_PROPOSALS; i++)
        n = put_proposal(b, n, (uint8_t)i, 1, i == IKE_SA_MAX_PROPOSALS);
    struct ike_pl pl = ike_pl_from_body(IKE_PL_SA, b, n);
    assert_int_equal(ike_sa_decode(&pl, &sa, &err), 0);
    assert_int_equal(sa.nproposals, 32);
    n = 0;
    for (unsigned i = 1; i <= IKE_SA_MAX_PROPOSALS + 1; i++)
        n = put_proposal(b, n, (uint8_t)i, 1, i == IKE_SA_MAX_PROPOSALS + 1);
    pl = ike_pl_from_body(IKE_PL_SA, b, n);
    UNIT_EXPECT_ERR(ike_sa_decode(&pl, &sa, &err), err, IKE_ERR_SA_TOO_MANY_PROPOSALS, IKE_PL_SA,
                    4 + 32 * 16);

    /* 255 + 1 transforms fit, 255 + 2 do not: the 257th is the second of proposal 2. */
    n = put_proposal(b, 0, 1, 255, false);
    n = put_proposal(b, n, 2, 1, true);
    pl = ike_pl_from_body(IKE_PL_SA, b, n);
    assert_int_equal(ike_sa_decode(&pl, &sa, &err), 0);
    assert_int_equal(sa.ntransforms, 256);
    assert_int_equal(sa.proposals[1].first, 255);
    n = put_proposal(b, 0, 1, 255, false);
    n = put_proposal(b, n, 2, 2, true);
    pl = ike_pl_from_body(IKE_PL_SA, b, n);
    UNIT_EXPECT_ERR(ike_sa_decode(&pl, &sa, &err), err, IKE_ERR_SA_TOO_MANY_TRANSFORMS, IKE_PL_SA,
                    4 + 2048 + 8 + 8);
}

static void test_encoder_refusals(void **state)
{
    (void)state;
    static struct ike_sa_payload sa;
    memset(&sa, 0, sizeof(sa));
    uint8_t buf[64];
    struct ike_writer w;
    unit_w_init(&w, buf, sizeof(buf));
    assert_int_equal(ike_sa_encode(&w, &sa), -EINVAL); /* no proposal */
    sa.nproposals = 1;
    sa.ntransforms = 1;
    sa.proposals[0] = (struct ike_proposal){.num = 1, .protocol = IKE_PROTO_IKE, .ntransforms = 2};
    assert_int_equal(ike_sa_encode(&w, &sa), -EINVAL); /* transforms out of range */
    sa.proposals[0].ntransforms = 0;
    assert_int_equal(ike_sa_encode(&w, &sa), -EINVAL); /* no transform */
    sa.proposals[0].ntransforms = 1;
    sa.proposals[0].spi_size = 9;
    assert_int_equal(ike_sa_encode(&w, &sa), -EINVAL); /* SPI larger than the field */
    sa.proposals[0].spi_size = 0;
    sa.nproposals = IKE_SA_MAX_PROPOSALS + 1;
    assert_int_equal(ike_sa_encode(&w, &sa), -EINVAL);
    sa.nproposals = 1;
    sa.ntransforms = IKE_SA_MAX_TRANSFORMS + 1;
    assert_int_equal(ike_sa_encode(&w, &sa), -EINVAL);
    sa.ntransforms = 1;
    assert_int_equal(w.len, 0);

    sa.transforms[0] = (struct ike_transform){IKE_TT_DH, IKE_DH_ECP_256, 0};
    assert_int_equal(ike_sa_encode(&w, &sa), 0);
    UNIT_EXPECT_BYTES(&w, "00 00 0014 00 00 0010 01 01 00 01 00 00 0008 04 00 0013");
    uint8_t tiny[10];
    unit_w_init(&w, tiny, sizeof(tiny));
    assert_int_equal(ike_sa_encode(&w, &sa), -ENOSPC);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_capture_offer),
        cmocka_unit_test(test_capture_answer),
        cmocka_unit_test(test_capture_fault_offset),
        cmocka_unit_test(test_esp_vector),
        cmocka_unit_test(test_rfc_example_round_trip),
        cmocka_unit_test(test_ike_rekey_and_answer_numbers),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_bounds),
        cmocka_unit_test(test_encoder_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
