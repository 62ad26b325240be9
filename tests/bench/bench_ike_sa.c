/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Full IKE SAs per second through lib/ike, in one process: a veer initiator
 * context starts IKE SAs (IKE_SA_INIT + IKE_AUTH with PSK, X25519,
 * AES-GCM-128, one Child SA) against a veer responder context, the messages
 * passed in memory. The responder's own CPU time per SA (thread CPU clock
 * around its ike_input calls) is reported apart from the total, and so is the
 * heap each established responder SA keeps (mallinfo2 difference). Prints
 * figures; never passes or fails.
 *
 *   bench_ike_sa [-n SAS] [-w WINDOW]
 */
#include <getopt.h>
#include <malloc.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../unit/gcm_proposals.h"
#include "ike.h"
#include "ike_consts.h"
#include "ike_ts.h"

#define QUEUE 4096
#define PKT_MAX 2048

struct pkt {
    struct ike_addr from, to;
    size_t len;
    uint8_t data[PKT_MAX];
};

struct net {
    struct pkt *q;
    unsigned head, count, dropped;
    uint64_t now_ns;
};

static int net_send(void *opaque, const struct ike_addr *local, const struct ike_addr *remote,
                    const uint8_t *buf, size_t len)
{
    struct net *n = opaque;
    if (n->count == QUEUE || len > PKT_MAX) {
        n->dropped++;
        return -1;
    }
    struct pkt *p = &n->q[(n->head + n->count++) % QUEUE];
    p->from = *local;
    p->to = *remote;
    p->len = len;
    memcpy(p->data, buf, len);
    return 0;
}

static uint64_t net_now(void *opaque)
{
    return ((struct net *)opaque)->now_ns;
}

static void net_random(void *opaque, uint8_t *buf, size_t len)
{
    (void)opaque;
    RAND_bytes(buf, (int)len);
}

static double thread_cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double wall_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void peer(struct ike_peer_cfg *p, const char *name, const char *me, const char *them)
{
    memset(p, 0, sizeof(*p));
    snprintf(p->name, sizeof(p->name), "%s", name);
    p->local_id = (struct ike_id){.type = IKE_ID_FQDN, .len = (uint8_t)strlen(me)};
    memcpy(p->local_id.data, me, strlen(me));
    p->remote_id = (struct ike_id){.type = IKE_ID_FQDN, .len = (uint8_t)strlen(them)};
    memcpy(p->remote_id.data, them, strlen(them));
    memcpy(p->psk, "bench-secret-0123456789", 23);
    p->psk_len = 23;
    gcm_proposals(p, 128);
    struct ike_addr lo, hi;
    ike_addr_parse(&lo, "10.0.0.0", 0);
    ike_addr_parse(&hi, "10.255.255.255", 0);
    p->nlocal_ts = p->nremote_ts = 1;
    ike_ts_range(&p->local_ts[0], &lo, &hi, 0, 0, 65535);
    p->remote_ts[0] = p->local_ts[0];
}

int main(int argc, char **argv)
{
    unsigned nsas = 20000, window = 64;
    int opt;
    while ((opt = getopt(argc, argv, "n:w:")) != -1) {
        if (opt == 'n')
            nsas = (unsigned)strtoul(optarg, NULL, 10);
        else if (opt == 'w')
            window = (unsigned)strtoul(optarg, NULL, 10);
    }
    static struct net net;
    net.q = calloc(QUEUE, sizeof(*net.q));
    static struct ike_peer_cfg ini, resp;
    struct ike_addr ini_addr, resp_addr;
    ike_addr_parse(&ini_addr, "192.0.2.2", 500);
    ike_addr_parse(&resp_addr, "192.0.2.1", 500);
    peer(&ini, "to-gw", "client.bench", "gw.bench");
    ini.remote = resp_addr;
    peer(&resp, "clients", "gw.bench", "client.bench");
    /* No cookies, no lifetimes: the figure is the exchanges themselves. */
    struct ike_config ci = {.peers = &ini, .npeers = 1, .max_sas = 2 * nsas + 64};
    struct ike_config cr = {.peers = &resp, .npeers = 1, .max_sas = 2 * nsas + 64};
    struct ike_backend be = {
        .opaque = &net, .send = net_send, .now_ns = net_now, .random = net_random};
    struct ike_ctx *a = ike_ctx_new(&ci, &be), *g = ike_ctx_new(&cr, &be);
    struct mallinfo2 before = mallinfo2();
    unsigned started = 0;
    double resp_cpu = 0, t0 = wall_s(), c0 = thread_cpu_s();
    const struct ike_counters *rc = ike_get_counters(g);
    while (rc->sa_established < nsas) {
        /* Keep `window` exchanges in flight, as many clients at once would. */
        while (started < nsas && started - rc->sa_established < window) {
            ike_initiate(a, 0, &ini_addr);
            started++;
        }
        struct pkt p;
        if (net.count == 0)
            break;
        p = net.q[net.head];
        net.head = (net.head + 1) % QUEUE;
        net.count--;
        if (ike_addr_ip_equal(&p.to, &resp_addr)) {
            double c = thread_cpu_s();
            ike_input(g, &p.to, &p.from, p.data, p.len);
            resp_cpu += thread_cpu_s() - c;
        } else {
            ike_input(a, &p.to, &p.from, p.data, p.len);
        }
    }
    double wall = wall_s() - t0, cpu = thread_cpu_s() - c0;
    struct mallinfo2 after = mallinfo2();
    unsigned done = (unsigned)rc->sa_established;
    printf("bench_ike_sa: lib/ike, PSK, X25519, AES-GCM-128, one Child SA; %u SAs, %u in flight\n",
           done, window);
    printf("both sides in one thread:  %8.0f IKE SAs/s (%.2f s wall, %.2f s CPU)\n", done / wall,
           wall, cpu);
    printf("responder alone:           %8.0f IKE SAs/s of its CPU (%.1f us per SA)\n",
           done / resp_cpu, resp_cpu / done * 1e6);
    printf("heap per established SA:   %8.0f bytes (both contexts hold one SA per exchange;\n"
           "                           halved: about %.0f bytes per side)\n",
           (double)(after.uordblks - before.uordblks) / done,
           (double)(after.uordblks - before.uordblks) / done / 2);
    printf("dropped messages: %u (queue full)\n", net.dropped);
    ike_ctx_free(a);
    ike_ctx_free(g);
    free(net.q);
    return 0;
}
