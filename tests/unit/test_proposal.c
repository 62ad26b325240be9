/* SPDX-License-Identifier: BSD-3-Clause */
/* Proposal selection against strongSwan's real offers, and the SA payloads both roles send. */
#include <errno.h>
#include <string.h>

#include "ike_proposal.h"
#include "unit_util.h"

#define SWAN_GCM "strongswan-5.9.8-psk-aesgcm-x25519-natt.pcap"
#define SWAN_DEFAULT "strongswan-5.9.8-psk-default-proposals.pcap"

/* aes128gcm16/aes256gcm16 - prfsha256/prfsha384 - x25519/ecp256 */
static struct ike_proposal_cfg ike_gcm(void)
{
    struct ike_proposal_cfg c = {.protocol = IKE_PROTO_IKE,
                                 .nencr = 2,
                                 .encr = {{IKE_ENCR_AES_GCM_16, 128}, {IKE_ENCR_AES_GCM_16, 256}},
                                 .nprf = 2,
                                 .prf = {IKE_PRF_HMAC_SHA2_256, IKE_PRF_HMAC_SHA2_384},
                                 .ndh = 2,
                                 .dh = {IKE_DH_CURVE25519, IKE_DH_ECP_256}};
    return c;
}

/* aes256-sha512-prfsha512-modp2048 */
static struct ike_proposal_cfg ike_cbc(void)
{
    struct ike_proposal_cfg c = {.protocol = IKE_PROTO_IKE,
                                 .nencr = 1,
                                 .encr = {{IKE_ENCR_AES_CBC, 256}},
                                 .nprf = 1,
                                 .prf = {IKE_PRF_HMAC_SHA2_512},
                                 .ninteg = 1,
                                 .integ = {IKE_INTEG_HMAC_SHA2_512_256},
                                 .ndh = 1,
                                 .dh = {IKE_DH_MODP_2048}};
    return c;
}

/* Decodes the SA payload of the first IKE_SA_INIT request in a capture. */
static void capture_sa(const char *file, struct ike_sa_payload *sa)
{
    uint8_t buf[2048];
    size_t n = unit_pcap_udp_payload(file, 0, buf, sizeof(buf));
    static uint8_t keep[2048];
    memcpy(keep, buf, n);
    struct ike_msg m;
    assert_int_equal(ike_msg_decode(keep, n, &m, NULL), 0);
    assert_int_equal(ike_sa_decode(ike_msg_find(&m, IKE_PL_SA, NULL), sa, NULL), 0);
}

static void test_select_from_strongswan(void **state)
{
    (void)state;
    static struct ike_sa_payload sa;
    struct ike_chosen ch;
    struct ike_proposal_cfg cfg[2] = {ike_gcm(), ike_cbc()};

    capture_sa(SWAN_GCM, &sa);
    assert_int_equal(ike_proposal_select(&sa, cfg, 2, IKE_PROTO_IKE, &ch), 0);
    assert_int_equal(ch.num, 1);
    assert_int_equal(ch.encr.id, IKE_ENCR_AES_GCM_16);
    assert_int_equal(ch.encr.key_bits, 128);
    assert_int_equal(ch.prf, IKE_PRF_HMAC_SHA2_256);
    assert_int_equal(ch.integ, IKE_INTEG_NONE);
    assert_int_equal(ch.dh, IKE_DH_CURVE25519);

    /* The default offer: CBC proposal 1 comes first in the initiator's order. */
    capture_sa(SWAN_DEFAULT, &sa);
    assert_int_equal(sa.nproposals, 2);
    assert_int_equal(ike_proposal_select(&sa, cfg, 2, IKE_PROTO_IKE, &ch), 0);
    assert_int_equal(ch.num, 1);
    assert_int_equal(ch.encr.id, IKE_ENCR_AES_CBC);
    assert_int_equal(ch.encr.key_bits, 256);
    assert_int_equal(ch.integ, IKE_INTEG_HMAC_SHA2_512_256);
    assert_int_equal(ch.prf, IKE_PRF_HMAC_SHA2_512);
    assert_int_equal(ch.dh, IKE_DH_MODP_2048);
    /* Only GCM configured: proposal 2, first offered GCM key size, first offered group. */
    assert_int_equal(ike_proposal_select(&sa, cfg, 1, IKE_PROTO_IKE, &ch), 0);
    assert_int_equal(ch.num, 2);
    assert_int_equal(ch.encr.key_bits, 128);
    assert_int_equal(ch.dh, IKE_DH_CURVE25519);

    /* Nothing in common. */
    struct ike_proposal_cfg none = ike_gcm();
    none.dh[0] = IKE_DH_MODP_1024;
    none.ndh = 1;
    assert_int_equal(ike_proposal_select(&sa, &none, 1, IKE_PROTO_IKE, &ch), -ENOENT);
    assert_int_equal(ike_proposal_select(&sa, cfg, 2, IKE_PROTO_ESP, &ch), -ENOENT);
}

static void test_reply_round_trip(void **state)
{
    (void)state;
    static struct ike_sa_payload offer, reply, decoded;
    struct ike_proposal_cfg cfg[2] = {ike_cbc(), ike_gcm()};
    uint8_t buf[1024];
    struct ike_writer w;

    /* Initiator offers both; the responder (same config) picks the first; reply decodes. */
    ike_proposal_offer(cfg, 2, NULL, 0, &offer);
    ike_w_init(&w, buf, sizeof(buf), false);
    assert_int_equal(ike_sa_encode(&w, &offer), 0);
    struct ike_pl pl = ike_pl_from_body(IKE_PL_SA, buf + 4, w.len - 4);
    assert_int_equal(ike_sa_decode(&pl, &decoded, NULL), 0);
    assert_int_equal(decoded.nproposals, 2);
    struct ike_chosen ch, back;
    assert_int_equal(ike_proposal_select(&decoded, cfg, 2, IKE_PROTO_IKE, &ch), 0);
    assert_int_equal(ch.encr.id, IKE_ENCR_AES_CBC);

    ike_proposal_reply(&ch, &reply);
    ike_w_init(&w, buf, sizeof(buf), false);
    assert_int_equal(ike_sa_encode(&w, &reply), 0);
    pl = ike_pl_from_body(IKE_PL_SA, buf + 4, w.len - 4);
    assert_int_equal(ike_sa_decode(&pl, &decoded, NULL), 0);
    assert_int_equal(ike_proposal_from_reply(&decoded, &back), 0);
    assert_memory_equal(&back, &ch, sizeof(ch));
    assert_true(ike_proposal_acceptable(&back, cfg, 2));

    /* The initiator refuses a reply it did not offer, or one with two proposals. */
    back.dh = IKE_DH_CURVE448;
    assert_false(ike_proposal_acceptable(&back, cfg, 2));
    assert_int_equal(ike_proposal_from_reply(&offer, &back), -EBADMSG);
}

static void test_esp_proposals(void **state)
{
    (void)state;
    static struct ike_sa_payload offer;
    const uint8_t spi[4] = {0xc0, 0x01, 0x02, 0x03};
    struct ike_proposal_cfg esp = {.protocol = IKE_PROTO_ESP,
                                   .nencr = 1,
                                   .encr = {{IKE_ENCR_AES_GCM_16, 128}},
                                   .nesn = 2,
                                   .esn = {IKE_ESN_NO_ESN, IKE_ESN_ESN}};
    ike_proposal_offer(&esp, 1, spi, 4, &offer);
    struct ike_chosen ch;
    assert_int_equal(ike_proposal_select(&offer, &esp, 1, IKE_PROTO_ESP, &ch), 0);
    assert_int_equal(ch.spi_size, 4);
    assert_memory_equal(ch.spi, spi, 4);
    assert_int_equal(ch.esn, IKE_ESN_NO_ESN);
    assert_int_equal(ch.dh, IKE_DH_NONE);

    /* The responder insists on PFS: an offer without a group is refused... */
    struct ike_proposal_cfg pfs = esp;
    pfs.ndh = 1;
    pfs.dh[0] = IKE_DH_CURVE25519;
    assert_int_equal(ike_proposal_select(&offer, &pfs, 1, IKE_PROTO_ESP, &ch), -ENOENT);
    /* ...and an offer with PFS is refused by a responder without it. */
    ike_proposal_offer(&pfs, 1, spi, 4, &offer);
    assert_int_equal(ike_proposal_select(&offer, &esp, 1, IKE_PROTO_ESP, &ch), -ENOENT);
    assert_int_equal(ike_proposal_select(&offer, &pfs, 1, IKE_PROTO_ESP, &ch), 0);
    assert_int_equal(ch.dh, IKE_DH_CURVE25519);
    /* CBC without integrity is incomplete. */
    struct ike_proposal_cfg cbc = {.protocol = IKE_PROTO_ESP,
                                   .nencr = 1,
                                   .encr = {{IKE_ENCR_AES_CBC, 128}},
                                   .nesn = 1,
                                   .esn = {IKE_ESN_NO_ESN}};
    ike_proposal_offer(&cbc, 1, spi, 4, &offer);
    assert_int_equal(ike_proposal_select(&offer, &cbc, 1, IKE_PROTO_ESP, &ch), -ENOENT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_select_from_strongswan),
        cmocka_unit_test(test_reply_round_trip),
        cmocka_unit_test(test_esp_proposals),
    };
    return cmocka_run_group_tests_name("proposal", tests, NULL, NULL);
}
