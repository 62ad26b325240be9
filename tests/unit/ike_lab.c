/* SPDX-License-Identifier: BSD-3-Clause */
#include "gcm_proposals.h"
#include "ike_lab.h"

#include <stdio.h>
#include <string.h>

#include "ike_consts.h"
#include "ike_ts.h"
#include "unit_util.h"

void lab_set_id(struct ike_id *id, const char *fqdn)
{
    id->type = IKE_ID_FQDN;
    id->len = (uint8_t)strlen(fqdn);
    memcpy(id->data, fqdn, id->len);
}

struct ike_ts lab_prefix(const char *first, const char *last)
{
    struct ike_addr a, b;
    assert_int_equal(ike_addr_parse(&a, first, 0), 0);
    assert_int_equal(ike_addr_parse(&b, last, 0), 0);
    struct ike_ts ts;
    ike_ts_range(&ts, &a, &b, 0, 0, 65535);
    return ts;
}

void lab_base_peer(struct ike_peer_cfg *p, const char *name, const char *me, const char *them)
{
    memset(p, 0, sizeof(*p));
    strcpy(p->name, name);
    lab_set_id(&p->local_id, me);
    lab_set_id(&p->remote_id, them);
    memcpy(p->psk, "labsecret-0123456789", 20);
    p->psk_len = 20;
    gcm_proposals(p, 128);
}

int lab_setup(void **state)
{
    static struct lab lab;
    memset(&lab, 0, sizeof(lab));
    assert_int_equal(ike_addr_parse(&lab.alice_addr, "192.0.2.2", 500), 0);
    assert_int_equal(ike_addr_parse(&lab.gw_addr, "192.0.2.1", 500), 0);
    lab.alice_node = (struct mock_node){.name = "alice", .net = &lab.net, .rng = 0x1234567};
    lab.gw_node = (struct mock_node){.name = "gw", .net = &lab.net, .rng = 0x7654321};

    lab_base_peer(&lab.alice_peer, "to-gw", "alice.example", "gw.example");
    lab.alice_peer.remote = lab.gw_addr;
    lab.alice_peer.nlocal_ts = lab.alice_peer.nremote_ts = 1;
    lab.alice_peer.local_ts[0] = lab_prefix("10.1.0.1", "10.1.0.1");
    lab.alice_peer.remote_ts[0] = lab_prefix("10.2.0.0", "10.2.0.255");

    lab_base_peer(&lab.gw_peer, "road-warriors", "gw.example", "alice.example");
    lab.gw_peer.nlocal_ts = lab.gw_peer.nremote_ts = 1;
    lab.gw_peer.local_ts[0] = lab_prefix("10.2.0.0", "10.2.0.255");
    lab.gw_peer.remote_ts[0] = lab_prefix("10.1.0.0", "10.1.255.255");
    *state = &lab;
    return 0;
}

void lab_vip4_pool(struct lab *lab, struct ike_pool_cfg *pool)
{
    memset(pool, 0, sizeof(*pool));
    strcpy(pool->name, "rw4");
    assert_int_equal(ike_addr_parse(&pool->first, "10.3.0.1", 0), 0);
    assert_int_equal(ike_addr_parse(&pool->last, "10.3.0.9", 0), 0);
    pool->prefix_len = 24;
    lab->gw_cfg.pools = pool;
    lab->gw_cfg.npools = 1;
    lab->gw_peer.npools = 1;
    lab->gw_peer.pools[0] = 0;
    lab->gw_peer.nremote_ts = 0;
    lab->alice_peer.vip_request = IKE_VIP_4;
    lab->alice_peer.nlocal_ts = 0;
}

void lab_radius_two_servers(struct ike_radius_cfg *rc, const char *const addrs[2],
                            const char *const secrets[2])
{
    memset(rc, 0, sizeof(*rc));
    rc->nservers = 2;
    for (unsigned s = 0; s < 2; s++) {
        assert_int_equal(ike_addr_parse(&rc->servers[s].addr, addrs[s], 1812), 0);
        rc->servers[s].secret_len = (uint8_t)strlen(secrets[s]);
        memcpy(rc->servers[s].secret, secrets[s], rc->servers[s].secret_len);
    }
    rc->timeout_ms = 1000;
    rc->tries = 3;
    snprintf(rc->nas_identifier, sizeof(rc->nas_identifier), "veer-unit");
}

void lab_start(struct lab *lab)
{
    /* A test may have given either side its addresses (MOBIKE, r-MOBIKE) before starting. */
    struct ike_config a_was = lab->alice_cfg, g_was = lab->gw_cfg;
    lab->alice_cfg = (struct ike_config){.peers = &lab->alice_peer,
                                         .npeers = 1,
                                         .max_sas = 64,
                                         .qcd_keys = lab->alice_qcd,
                                         .local_addrs = a_was.local_addrs,
                                         .nlocal_addrs = a_was.nlocal_addrs};
    /* A test may have given the gateway a redirect policy before starting. */
    lab->gw_cfg = (struct ike_config){.peers = &lab->gw_peer,
                                      .npeers = 1,
                                      .max_sas = 64,
                                      .redirect_policy = lab->gw_cfg.redirect_policy,
                                      .qcd_keys = lab->gw_qcd,
                                      .qcd_prev_valid_s = lab->gw_qcd_prev_valid_s,
                                      .local_addrs = g_was.local_addrs,
                                      .nlocal_addrs = g_was.nlocal_addrs,
                                      .announce_addrs = g_was.announce_addrs,
                                      .nannounce_addrs = g_was.nannounce_addrs,
                                      .switch_notify = g_was.switch_notify,
                                      .switch_timeout_s = g_was.switch_timeout_s,
                                      .pools = g_was.pools,
                                      .npools = g_was.npools};
    struct ike_backend a = mock_backend(&lab->alice_node);
    struct ike_backend g = mock_backend(&lab->gw_node);
    lab->alice = ike_ctx_new(&lab->alice_cfg, &a);
    lab->gw = ike_ctx_new(&lab->gw_cfg, &g);
    assert_non_null(lab->alice);
    assert_non_null(lab->gw);
}

void lab_start_initiate(struct lab *lab)
{
    lab_start(lab);
    assert_int_equal(ike_initiate(lab->alice, 0, &lab->alice_addr), 0);
}

unsigned lab_start_run(struct lab *lab)
{
    lab_start_initiate(lab);
    return lab_run(lab);
}

int lab_teardown(void **state)
{
    struct lab *lab = *state;
    ike_ctx_free(lab->alice);
    ike_ctx_free(lab->gw);
    return 0;
}

unsigned lab_run(struct lab *lab)
{
    return mock_run(&lab->net, lab->alice, &lab->alice_addr, lab->gw, &lab->gw_addr, 50);
}

static void grab(void *opaque, const struct ike_sa_info *sa)
{
    *(struct ike_sa_info *)opaque = *sa;
}

struct ike_sa_info lab_only_sa(struct ike_ctx *ctx)
{
    struct ike_sa_info sa;
    memset(&sa, 0, sizeof(sa));
    assert_int_equal(ike_sa_foreach(ctx, grab, &sa), 1);
    return sa;
}

void lab_establish(struct lab *lab)
{
    assert_int_equal(ike_initiate(lab->alice, 0, &lab->alice_addr), 0);
    assert_int_equal(lab_run(lab), 4);
    assert_int_equal(lab_only_sa(lab->alice).state, IKE_SA_ESTABLISHED);
    assert_int_equal(lab_only_sa(lab->gw).state, IKE_SA_ESTABLISHED);
}

void lab_start_establish(struct lab *lab)
{
    lab_start(lab);
    lab_establish(lab);
}

void lab_expect_child_pair(const struct lab *lab)
{
    assert_int_equal(lab->alice_node.ninstalled, 1);
    assert_int_equal(lab->gw_node.ninstalled, 1);
    const struct ike_child_sa *ca = &lab->alice_node.installed[0];
    const struct ike_child_sa *cg = &lab->gw_node.installed[0];
    assert_int_equal(ca->spi_in, cg->spi_out);
    assert_int_equal(ca->spi_out, cg->spi_in);
    assert_int_equal(ca->encr_key_len, cg->encr_key_len);
    assert_memory_equal(ca->encr_out, cg->encr_in, ca->encr_key_len);
    assert_memory_equal(ca->encr_in, cg->encr_out, ca->encr_key_len);
}
