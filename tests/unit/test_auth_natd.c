/* SPDX-License-Identifier: BSD-3-Clause */
/* PSK AUTH against an independent vector, and NAT-D hashes against strongSwan's own. */
#include <string.h>

#include "ike_auth_psk.h"
#include "ike_consts.h"
#include "ike_msg.h"
#include "ike_natd.h"
#include "ike_payload.h"
#include "unit_util.h"

#define SWAN_NATT "strongswan-5.9.8-psk-aesgcm-x25519-natt.pcap"

static void test_psk_auth_vector(void **state)
{
    (void)state;
    const char psk[] = "labsecret-0123456789";
    uint8_t msg[80], nonce[32], skp[32], id[18], out[64], want[32];
    for (unsigned i = 0; i < sizeof(msg); i++)
        msg[i] = (uint8_t)i;
    memset(nonce, 0x77, sizeof(nonce));
    memset(skp, 0x33, sizeof(skp));
    memcpy(id,
           "\x02\x00\x00\x00"
           "client.example",
           sizeof(id));
    assert_int_equal(ike_auth_psk(IKE_PRF_HMAC_SHA2_256, (const uint8_t *)psk, strlen(psk), msg,
                                  sizeof(msg), nonce, sizeof(nonce), skp, sizeof(skp), id,
                                  sizeof(id), out),
                     0);
    /* Python: prf(prf(psk, "Key Pad for IKEv2"), msg | nonce | prf(SK_p, id)) */
    unit_hex("d23b0451058e6413862053193b107207f3927fd5bb631c42c80fe46daeb88a09", want,
             sizeof(want));
    assert_memory_equal(out, want, 32);
}

/* Finds the data of a notify in packet `pkt` of the capture. */
static void notify_data(unsigned pkt, uint16_t type, uint8_t *buf, size_t cap, uint64_t *spi_i,
                        uint64_t *spi_r, uint8_t out[IKE_NATD_LEN])
{
    size_t n = unit_pcap_udp_payload(SWAN_NATT, pkt, buf, cap);
    struct ike_msg m;
    assert_int_equal(ike_msg_decode(buf, n, &m, NULL), 0);
    struct ike_notify_payload np;
    assert_int_equal(ike_notify_decode(ike_msg_find_notify(&m, type), &np, NULL), 0);
    assert_int_equal(np.data.len, IKE_NATD_LEN);
    memcpy(out, np.data.ptr, IKE_NATD_LEN);
    *spi_i = m.hdr.spi_i;
    *spi_r = m.hdr.spi_r;
}

static void test_natd_matches_strongswan(void **state)
{
    (void)state;
    uint8_t buf[2048], got[IKE_NATD_LEN], want[IKE_NATD_LEN];
    uint64_t spi_i, spi_r;
    struct ike_addr gw, client;
    assert_int_equal(ike_addr_parse(&gw, "198.51.100.1", 500), 0);
    assert_int_equal(ike_addr_parse(&client, "198.51.100.2", 500), 0);

    /* The client's view of the gateway, with SPIr still zero. */
    notify_data(0, IKE_N_NAT_DETECTION_DESTINATION_IP, buf, sizeof(buf), &spi_i, &spi_r, want);
    ike_natd_hash(spi_i, 0, &gw, got);
    assert_memory_equal(got, want, IKE_NATD_LEN);

    /*
     * The gateway's answer binds both SPIs. (Both sides fake their own SOURCE
     * hash: kernel-libipsec forces UDP encapsulation that way.)
     */
    notify_data(1, IKE_N_NAT_DETECTION_DESTINATION_IP, buf, sizeof(buf), &spi_i, &spi_r, want);
    ike_natd_hash(spi_i, spi_r, &client, got);
    assert_memory_equal(got, want, IKE_NATD_LEN);
    ike_natd_hash(spi_i, 0, &client, got);
    assert_memory_not_equal(got, want, IKE_NATD_LEN);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_psk_auth_vector),
        cmocka_unit_test(test_natd_matches_strongswan),
    };
    return cmocka_run_group_tests_name("auth_natd", tests, NULL, NULL);
}
