/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control plane's receive path, whole: ike_input() on a responder with
 * one PSK peer, fed one datagram per run (first byte: which port it came to,
 * 500 or 4500). Whatever arrives, the context must stay consistent: every
 * reply it sends is a well-formed IKE message no larger than a full datagram,
 * and freeing it releases everything (LeakSanitizer checks).
 */
#include "fuzz_common.h"
#include "ike.h"
#include "ike_msg.h"

struct fuzz_node {
    uint64_t rng;
    unsigned sent;
};

static int fuzz_send(void *opaque, const struct ike_addr *local, const struct ike_addr *remote,
                     const uint8_t *buf, size_t len)
{
    struct fuzz_node *n = opaque;
    (void)remote;
    size_t off = local->port == IKE_NATT_PORT ? IKE_NON_ESP_MARKER_LEN : 0;
    FUZZ_CHECK(len >= off + IKE_HDR_LEN && len <= 8192 + off);
    struct ike_msg m;
    FUZZ_CHECK(ike_msg_decode(buf + off, len - off, &m, NULL) == 0);
    FUZZ_CHECK(ike_hdr_is_response(&m.hdr));
    n->sent++;
    return 0;
}

static uint64_t fuzz_now(void *opaque)
{
    (void)opaque;
    return 1000000000ull;
}

static void fuzz_random(void *opaque, uint8_t *buf, size_t len)
{
    struct fuzz_node *n = opaque;
    for (size_t i = 0; i < len; i++) {
        n->rng = n->rng * 6364136223846793005ull + 1442695040888963407ull;
        buf[i] = (uint8_t)(n->rng >> 56);
    }
}

static struct ike_peer_cfg make_peer(void)
{
    struct ike_peer_cfg p;
    memset(&p, 0, sizeof(p));
    strcpy(p.name, "fuzz");
    p.local_id = (struct ike_id){.type = IKE_ID_FQDN, .len = 2, .data = "gw"};
    memcpy(p.psk, "k", 1);
    p.psk_len = 1;
    p.nike = 1;
    p.ike[0] =
        (struct ike_proposal_cfg){.protocol = IKE_PROTO_IKE,
                                  .nencr = 2,
                                  .encr = {{IKE_ENCR_AES_GCM_16, 128}, {IKE_ENCR_AES_CBC, 128}},
                                  .nprf = 1,
                                  .prf = {IKE_PRF_HMAC_SHA2_256},
                                  .ninteg = 1,
                                  .integ = {IKE_INTEG_HMAC_SHA2_256_128},
                                  .ndh = 2,
                                  .dh = {IKE_DH_CURVE25519, IKE_DH_ECP_256}};
    p.nesp = 1;
    p.esp[0] = (struct ike_proposal_cfg){.protocol = IKE_PROTO_ESP,
                                         .nencr = 1,
                                         .encr = {{IKE_ENCR_AES_GCM_16, 128}},
                                         .nesn = 1,
                                         .esn = {IKE_ESN_NO_ESN}};
    p.nlocal_ts = p.nremote_ts = 1;
    p.local_ts[0] = (struct ike_ts){
        .type = IKE_TS_IPV4_ADDR_RANGE, .end_port = 65535, .end_addr = {255, 255, 255, 255}};
    p.remote_ts[0] = p.local_ts[0];
    return p;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    static struct ike_peer_cfg peer;
    static bool ready;
    if (!ready) {
        peer = make_peer();
        ready = true;
    }
    struct fuzz_node node = {.rng = 42};
    const struct ike_config cfg = {.peers = &peer, .npeers = 1, .max_sas = 16};
    const struct ike_backend be = {
        .opaque = &node, .send = fuzz_send, .now_ns = fuzz_now, .random = fuzz_random};
    struct ike_ctx *ctx = ike_ctx_new(&cfg, &be);
    FUZZ_CHECK(ctx != NULL);
    struct ike_addr local = {
        .family = 4, .port = (data[0] & 1) ? IKE_NATT_PORT : IKE_PORT, .ip = {192, 0, 2, 1}};
    struct ike_addr remote = {.family = 4, .port = local.port, .ip = {192, 0, 2, 2}};
    /* The same datagram twice: the second is a retransmission for any SA the first made. */
    ike_input(ctx, &local, &remote, data + 1, size - 1);
    ike_input(ctx, &local, &remote, data + 1, size - 1);
    ike_tick(ctx);
    const struct ike_counters *c = ike_get_counters(ctx);
    FUZZ_CHECK(c->rx_packets == 2);
    FUZZ_CHECK(c->bad_transitions == 0);
    FUZZ_CHECK(ike_sa_foreach(ctx, NULL, NULL) <= 1);
    ike_ctx_free(ctx);
    return 0;
}
