/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Two veer control planes, "alice" (an initiator with one peer, the gateway)
 * and "gw" (a responder for road warriors), wired through the mock backend:
 * the bench every exchange test runs on.
 */
#ifndef VEER_IKE_LAB_H
#define VEER_IKE_LAB_H

#include "ike.h"
#include "mock_backend.h"

#define SEC 1000000000ull

struct lab {
    struct mock_net net;
    struct mock_node alice_node, gw_node;
    struct ike_peer_cfg alice_peer, gw_peer;
    struct ike_config alice_cfg, gw_cfg;
    struct ike_ctx *alice, *gw;
    struct ike_addr alice_addr, gw_addr;
    /* QCD secrets of each side (NULL: no tokens made), set before lab_start. */
    const struct ike_qcd_keys *alice_qcd, *gw_qcd;
    unsigned gw_qcd_prev_valid_s;
};

void lab_set_id(struct ike_id *id, const char *fqdn);
/* An IPv4 range selector, all protocols and ports. */
struct ike_ts lab_prefix(const char *first, const char *last);
/* PSK, AES-GCM-128, PRF-SHA256, X25519; ESP AES-GCM-128 without ESN. */
void lab_base_peer(struct ike_peer_cfg *p, const char *name, const char *me, const char *them);

/* cmocka setup/teardown: peers configured, contexts not created yet (tests tweak first). */
int lab_setup(void **state);
int lab_teardown(void **state);
/* A cmocka case on a fresh lab: the setup and teardown every lab test takes. */
#define LAB_TEST(f) cmocka_unit_test_setup_teardown(f, lab_setup, lab_teardown)

/* Creates both contexts from the (possibly tweaked) peer configurations. */
void lab_start(struct lab *lab);
/* lab_start, then alice starts her IKE SA: what most exchange tests do first. */
void lab_start_initiate(struct lab *lab);
/* lab_start_initiate, then lab_run: returns how many packets went, for the caller to check. */
unsigned lab_start_run(struct lab *lab);
/* Delivers queued packets until none are left (at most 50); returns how many. */
unsigned lab_run(struct lab *lab);
/* The one SA of ctx (fails the test when there is not exactly one). */
struct ike_sa_info lab_only_sa(struct ike_ctx *ctx);
/* Starts alice's IKE SA and runs the four messages that establish it. */
void lab_establish(struct lab *lab);
/* lab_start, then lab_establish: for the tests about what follows an established SA. */
void lab_start_establish(struct lab *lab);
/*
 * Both sides installed exactly one Child SA, with SPIs and encryption keys
 * crosswise (alice's outbound is gw's inbound): proof that both derived the
 * same keys, which every exchange that ends in a Child SA must give.
 */
void lab_expect_child_pair(const struct lab *lab);
/*
 * gw's RADIUS section, from scratch: two servers, addrs[i] port 1812 with
 * secrets[i]; a 1 s timeout, 3 tries, NAS-Identifier veer-unit. No accounting.
 */
/*
 * gw leases alice an IPv4 virtual IP from *pool, made here ("rw4",
 * 10.3.0.1 to 10.3.0.9, /24): gw's peer takes that pool and no remote_ts,
 * alice asks for an address and proposes no local_ts. Before lab_start.
 */
void lab_vip4_pool(struct lab *lab, struct ike_pool_cfg *pool);
void lab_radius_two_servers(struct ike_radius_cfg *rc, const char *const addrs[2],
                            const char *const secrets[2]);

#endif
