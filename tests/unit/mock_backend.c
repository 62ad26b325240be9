/* SPDX-License-Identifier: BSD-3-Clause */
#include "mock_backend.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "unit_util.h"

static int mock_send(void *opaque, const struct ike_addr *local, const struct ike_addr *remote,
                     const uint8_t *buf, size_t len)
{
    struct mock_node *node = opaque;
    struct mock_net *net = node->net;
    assert_true(len <= MOCK_PKT);
    if (node->fail_sends > 0) {
        node->fail_sends--;
        return -EAGAIN; /* as a dataplane without the next hop's address yet */
    }
    if (net->count == MOCK_QUEUE)
        return -1;
    struct mock_packet *p = &net->queue[(net->head + net->count++) % MOCK_QUEUE];
    p->from = *local;
    p->to = *remote;
    if (net->nat.on && ike_addr_ip_equal(local, &net->nat.inside)) {
        memcpy(p->from.ip, net->nat.outside.ip, sizeof(p->from.ip));
        p->from.port = (uint16_t)(local->port + net->nat.port_shift);
    }
    p->len = len;
    memcpy(p->data, buf, len);
    net->sent++;
    return 0;
}

static int mock_install(void *opaque, const struct ike_child_sa *child)
{
    struct mock_node *node = opaque;
    if (node->ninstalled < 4)
        node->installed[node->ninstalled++] = *child;
    else
        node->ninstalled++;
    /* The dataplane's table: an inbound SPI installed twice is a bug in lib/ike. */
    for (unsigned i = 0; i < node->nlive; i++) {
        if (node->live[i].spi_in == child->spi_in)
            return -EEXIST;
    }
    if (node->nlive >= MOCK_LIVE)
        return -ENOSPC;
    node->live[node->nlive++] = *child;
    return 0;
}

static int mock_update(void *opaque, const struct ike_child_sa *child)
{
    struct mock_node *node = opaque;
    node->nupdated++;
    for (unsigned i = 0; i < node->nlive; i++) {
        if (node->live[i].spi_in == child->spi_in) {
            node->live[i].local = child->local;
            node->live[i].remote = child->remote;
            node->live[i].udp_encap = child->udp_encap;
            return 0;
        }
    }
    node->nupdate_unknown++;
    return -ENOENT;
}

static int mock_delete(void *opaque, const struct ike_child_sa *child)
{
    struct mock_node *node = opaque;
    node->ndeleted++;
    for (unsigned i = 0; i < node->nlive; i++) {
        if (node->live[i].spi_in == child->spi_in) {
            node->live[i] = node->live[--node->nlive];
            return 0;
        }
    }
    node->ndelete_unknown++; /* deleting what was never installed */
    return -ENOENT;
}

const struct ike_child_sa *mock_live(const struct mock_node *node, uint32_t spi_in)
{
    for (unsigned i = 0; i < node->nlive; i++) {
        if (node->live[i].spi_in == spi_in)
            return &node->live[i];
    }
    return NULL;
}

static uint64_t mock_now(void *opaque)
{
    return ((struct mock_node *)opaque)->net->now_ns;
}

/* xorshift64: deterministic, so failures reproduce. */
static void mock_random(void *opaque, uint8_t *buf, size_t len)
{
    struct mock_node *node = opaque;
    for (size_t i = 0; i < len; i++) {
        node->rng ^= node->rng << 13;
        node->rng ^= node->rng >> 7;
        node->rng ^= node->rng << 17;
        buf[i] = (uint8_t)node->rng;
    }
}

static void mock_log(void *opaque, enum ike_log_level level, const char *msg)
{
    struct mock_node *node = opaque;
    node->nlogs++;
    snprintf(node->last_log, sizeof(node->last_log), "%s", msg);
    if (node->on_log != NULL)
        node->on_log(node->on_log_arg, level, msg);
    if (node->verbose || level <= IKE_LOG_WARN)
        fprintf(stderr, "[%s] %s\n", node->name, msg);
}

struct ike_backend mock_backend(struct mock_node *node)
{
    struct ike_backend be = {.opaque = node,
                             .send = mock_send,
                             .child_install = mock_install,
                             .child_delete = mock_delete,
                             .child_update = mock_update,
                             .now_ns = mock_now,
                             .random = mock_random,
                             .log = mock_log};
    return be;
}

bool mock_pop(struct mock_net *net, struct mock_packet *out)
{
    if (net->count == 0)
        return false;
    *out = net->queue[net->head];
    net->head = (net->head + 1) % MOCK_QUEUE;
    net->count--;
    return true;
}

unsigned mock_run(struct mock_net *net, struct ike_ctx *a, const struct ike_addr *a_addr,
                  struct ike_ctx *b, const struct ike_addr *b_addr, unsigned max)
{
    static struct mock_packet p;
    unsigned n = 0;
    while (n < max && mock_pop(net, &p)) {
        n++;
        if (net->nat.on && ike_addr_ip_equal(&p.to, &net->nat.outside)) {
            uint16_t inner = (uint16_t)(p.to.port - net->nat.port_shift);
            if (inner != IKE_PORT && inner != IKE_NATT_PORT) {
                net->nat.dropped++;
                continue;
            }
            p.to = net->nat.inside;
            p.to.port = inner;
        }
        if (ike_addr_ip_equal(&p.to, a_addr))
            ike_input(a, &p.to, &p.from, p.data, p.len);
        else if (ike_addr_ip_equal(&p.to, b_addr))
            ike_input(b, &p.to, &p.from, p.data, p.len);
    }
    return n;
}
