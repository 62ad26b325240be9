/* SPDX-License-Identifier: BSD-3-Clause */
/* An in-memory backend for lib/ike: a packet queue, a settable clock, a seeded RNG. */
#ifndef VEER_MOCK_BACKEND_H
#define VEER_MOCK_BACKEND_H

#include "ike.h"

#define MOCK_QUEUE 64
#define MOCK_PKT 8192
#define MOCK_LIVE 16

struct mock_packet {
    struct ike_addr from, to;
    size_t len;
    uint8_t data[MOCK_PKT];
};

/*
 * A NAT in front of one host: what it sends from `inside` leaves from
 * `outside` with its port moved up by `port_shift`; what comes back to
 * `outside` on a mapped port (500 or 4500 plus the shift) goes in, anything
 * else is dropped, as a NAT drops what no mapping covers. Changing the shift
 * is the NAT forgetting its mappings and making new ones.
 */
struct mock_nat {
    bool on;
    struct ike_addr inside, outside; /* addresses only; ports are mapped */
    uint16_t port_shift;
    unsigned dropped;
};

struct mock_net {
    uint64_t now_ns;
    struct mock_nat nat;
    unsigned head, count;
    struct mock_packet queue[MOCK_QUEUE];
    unsigned sent;
};

struct mock_node {
    const char *name;
    struct mock_net *net;
    uint64_t rng;
    struct ike_child_sa installed[4]; /* the first four installs, in order */
    unsigned ninstalled, ndeleted;
    struct ike_child_sa live[MOCK_LIVE]; /* what the dataplane holds now */
    unsigned nlive, ndelete_unknown;
    unsigned nupdated, nupdate_unknown; /* child_update calls */
    bool verbose;
    unsigned fail_sends; /* this many sends fail with -EAGAIN, nothing queued */
    unsigned nlogs;      /* log lines of any level */
    char last_log[1024];
    /* Called with every log line when set: tests that read more than the last one. */
    void (*on_log)(void *arg, enum ike_log_level level, const char *msg);
    void *on_log_arg;
};

struct ike_backend mock_backend(struct mock_node *node);

/* The live Child SA with this inbound SPI, or NULL. */
const struct ike_child_sa *mock_live(const struct mock_node *node, uint32_t spi_in);

/* Pops the oldest queued packet; false when the queue is empty. */
bool mock_pop(struct mock_net *net, struct mock_packet *out);

/*
 * Delivers queued packets to whichever context owns the destination address
 * until the queue is empty or `max` packets went; returns how many went.
 */
unsigned mock_run(struct mock_net *net, struct ike_ctx *a, const struct ike_addr *a_addr,
                  struct ike_ctx *b, const struct ike_addr *b_addr, unsigned max);

#endif
