/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The RADIUS accounting client (RFC 2866): no socket and no clock of its own,
 * like the authentication client (eap_radius.c) beside it, but with its own
 * identifiers, since accounting goes to another port of each server. A
 * record holds an identifier of its server while it is outstanding, waits
 * in a bounded queue when all 256 are taken, is sent again every timeout
 * (same identifier and authenticator), `tries` times, then rebuilt for the
 * next server; after the last server it is dropped and counted. Nothing here
 * waits: the control lcore's IKE work never stalls on a slow server.
 */
#include <stdlib.h>
#include <string.h>

#include "acct.h"
#include "eap_radius.h"

/* An Accounting-Request of veer is far smaller than RADIUS's 4096 (Class values are the most). */
#define ACCT_PKT_MAX 2048

struct acct_req {
    struct ike_acct_record rec;
    unsigned server;
    int id; /* identifier on `server`, -1 while queued */
    unsigned tries;
    unsigned servers_tried;
    bool sent; /* counted in radius_acct_sent (once, whatever the failovers) */
    uint64_t deadline_ns;
    uint8_t pkt[ACCT_PKT_MAX]; /* its Request Authenticator is pkt[4..20) */
    size_t len;
    struct acct_req *next; /* in the queue */
};

struct ike_acct_client {
    struct acct_req *slots[IKE_RADIUS_MAX_SERVERS][256];
    uint8_t next_id[IKE_RADIUS_MAX_SERVERS];
    unsigned outstanding;
    unsigned first; /* the server new records go to: the last that answered */
    struct acct_req *q_head, *q_tail;
    unsigned nqueued;
};

static struct ike_acct_client *client(struct ike_ctx *ctx)
{
    if (ctx->acct_client == NULL)
        ctx->acct_client = calloc(1, sizeof(*ctx->acct_client));
    return ctx->acct_client;
}

static unsigned timeout_ms(const struct ike_ctx *ctx)
{
    return ctx->cfg.radius.timeout_ms ? ctx->cfg.radius.timeout_ms : 1000;
}

static unsigned tries(const struct ike_ctx *ctx)
{
    return ctx->cfg.radius.tries ? ctx->cfg.radius.tries : 3;
}

static void transmit(struct ike_ctx *ctx, struct acct_req *r)
{
    if (!r->sent) {
        r->sent = true;
        ctx->counters.radius_acct_sent++;
    }
    r->tries++;
    r->deadline_ns = ike_now(ctx) + (uint64_t)timeout_ms(ctx) * 1000000ull;
    if (ctx->be.radius_acct_send == NULL ||
        ctx->be.radius_acct_send(ctx->be.opaque, r->server, r->pkt, r->len) < 0)
        ctx->counters.radius_acct_send_failed++;
}

/* The Accounting-Request of r->rec for r->server with identifier id; false when it cannot be. */
static bool build(struct ike_ctx *ctx, struct acct_req *r, uint8_t id)
{
    const struct ike_acct_record *c = &r->rec;
    const struct ike_radius_server_cfg *srv = &ctx->cfg.radius.servers[r->server];
    const char *nas = ctx->cfg.radius.nas_identifier;
    const struct ike_radius_acct_req q = {
        .identifier = id,
        .status = c->status,
        .session_id = c->session_id,
        .user_name = c->user,
        .user_name_len = c->user_len,
        .framed_ip = c->framed_ip.family ? &c->framed_ip : NULL,
        .framed_ip6 = c->framed_ip6.family ? &c->framed_ip6 : NULL,
        .client = c->client.family ? &c->client : NULL,
        .in_octets = c->in_octets,
        .out_octets = c->out_octets,
        .in_packets = c->in_packets,
        .out_packets = c->out_packets,
        .session_time = c->session_time,
        .terminate_cause = c->terminate_cause,
        .classes = c->classes,
        .nclass = c->nclass,
        .nas = {.identifier = nas[0] ? nas : NULL},
    };
    enum ike_radius_reject why;
    long n =
        ike_radius_acct_request(&q, srv->secret, srv->secret_len, r->pkt, sizeof(r->pkt), &why);
    if (n < 0) {
        ctx->counters.radius_acct_build_failed++;
        ike_log(ctx, IKE_LOG_WARN, "RADIUS accounting: cannot build a request for %s: %s",
                c->session_id, ike_radius_reject_name(why));
        return false;
    }
    r->len = (size_t)n;
    return true;
}

enum place { PLACED, NO_ID, UNBUILDABLE };

/* Takes an identifier on r->server and builds the packet for it. */
static enum place take_id(struct ike_ctx *ctx, struct ike_acct_client *ac, struct acct_req *r)
{
    unsigned s = r->server;
    for (unsigned k = 0; k < 256; k++) {
        uint8_t id = (uint8_t)(ac->next_id[s] + k);
        if (ac->slots[s][id] != NULL)
            continue;
        ac->next_id[s] = (uint8_t)(id + 1);
        if (!build(ctx, r, id))
            return UNBUILDABLE;
        r->id = id;
        r->tries = 0;
        ac->slots[s][id] = r;
        ac->outstanding++;
        return PLACED;
    }
    return NO_ID;
}

static void release(struct ike_acct_client *ac, struct acct_req *r)
{
    if (r->id >= 0 && ac->slots[r->server][r->id] == r) {
        ac->slots[r->server][r->id] = NULL;
        ac->outstanding--;
    }
    r->id = -1;
}

/* Puts r on the queue's tail; false (r freed, counted) when the queue is full. */
static bool enqueue(struct ike_ctx *ctx, struct ike_acct_client *ac, struct acct_req *r)
{
    if (ac->nqueued >= IKE_ACCT_QUEUE_MAX) {
        ctx->counters.radius_acct_queue_full++;
        ike_log_rl(ctx, IKE_LOG_WARN, "RADIUS accounting: queue full, a record is lost");
        free(r);
        return false;
    }
    ctx->counters.radius_acct_queued++;
    r->id = -1;
    r->next = NULL;
    if (ac->q_tail != NULL)
        ac->q_tail->next = r;
    else
        ac->q_head = r;
    ac->q_tail = r;
    ac->nqueued++;
    return true;
}

/* Sends r on its server, or queues it; a record that cannot be built is dropped. */
static void place(struct ike_ctx *ctx, struct ike_acct_client *ac, struct acct_req *r)
{
    switch (take_id(ctx, ac, r)) {
    case PLACED:
        transmit(ctx, r);
        break;
    case NO_ID:
        enqueue(ctx, ac, r);
        break;
    case UNBUILDABLE:
        free(r);
        break;
    }
}

void ike_acct_client_send(struct ike_ctx *ctx, const struct ike_acct_record *rec)
{
    struct ike_acct_client *ac = client(ctx);
    struct acct_req *r = ac != NULL ? calloc(1, sizeof(*r)) : NULL;
    if (r == NULL) {
        ctx->counters.radius_acct_build_failed++;
        return;
    }
    r->rec = *rec;
    r->id = -1;
    r->server = ac->first < ctx->cfg.radius.nservers ? ac->first : 0;
    /* Behind others already waiting: records of one session stay in order. */
    if (ac->nqueued > 0)
        enqueue(ctx, ac, r);
    else
        place(ctx, ac, r);
}

/* Records waiting for an identifier, as identifiers come free. */
static void pump(struct ike_ctx *ctx, struct ike_acct_client *ac)
{
    while (ac->q_head != NULL) {
        struct acct_req *r = ac->q_head;
        enum place p = take_id(ctx, ac, r);
        if (p == NO_ID)
            return;
        ac->q_head = r->next;
        if (ac->q_head == NULL)
            ac->q_tail = NULL;
        ac->nqueued--;
        if (p == PLACED)
            transmit(ctx, r);
        else
            free(r);
    }
}

void ike_acct_client_tick(struct ike_ctx *ctx, uint64_t now)
{
    struct ike_acct_client *ac = ctx->acct_client;
    if (ac == NULL)
        return;
    unsigned n = ctx->cfg.radius.nservers;
    for (unsigned s = 0; s < n && s < IKE_RADIUS_MAX_SERVERS; s++) {
        for (unsigned id = 0; id < 256; id++) {
            struct acct_req *r = ac->slots[s][id];
            if (r == NULL || now < r->deadline_ns)
                continue;
            if (r->tries < tries(ctx)) {
                ctx->counters.radius_acct_retransmits++;
                transmit(ctx, r);
                continue;
            }
            release(ac, r);
            if (++r->servers_tried >= n) {
                ctx->counters.radius_acct_timed_out++;
                ike_log_rl(ctx, IKE_LOG_WARN, "RADIUS accounting: no server answered; dropped");
                free(r);
                continue;
            }
            unsigned from = r->server;
            r->server = (r->server + 1) % n;
            if (ac->first == from)
                ac->first = r->server;
            ctx->counters.radius_acct_failovers++;
            ike_log_rl(ctx, IKE_LOG_WARN, "RADIUS accounting: server %u silent, trying server %u",
                       from, r->server);
            /* Its slot on the new server may be below `id` or after it: sent at most once here. */
            place(ctx, ac, r);
        }
    }
    pump(ctx, ac);
}

void ike_radius_acct_input(struct ike_ctx *ctx, unsigned server, const uint8_t *buf, size_t len)
{
    struct ike_acct_client *ac = ctx->acct_client;
    int id = ike_radius_identifier(buf, len);
    if (id < 0) {
        ctx->counters.radius_acct_refused++;
        ike_radius_count_reject(ctx, IKE_RADIUS_TRUNCATED);
        return;
    }
    if (ac == NULL || server >= ctx->cfg.radius.nservers || server >= IKE_RADIUS_MAX_SERVERS ||
        ac->slots[server][id] == NULL) {
        ctx->counters.radius_acct_unmatched++;
        return;
    }
    struct acct_req *r = ac->slots[server][id];
    const struct ike_radius_server_cfg *srv = &ctx->cfg.radius.servers[server];
    enum ike_radius_reject why =
        ike_radius_acct_response_check(buf, len, r->pkt + 4, srv->secret, srv->secret_len);
    if (why != IKE_RADIUS_OK) {
        /* Forged or damaged: the request stays outstanding for the real answer. */
        ctx->counters.radius_acct_refused++;
        ike_radius_count_reject(ctx, why);
        ike_log_rl(ctx, IKE_LOG_WARN, "RADIUS accounting: response from server %u refused: %s",
                   server, ike_radius_reject_name(why));
        return;
    }
    ctx->counters.radius_acct_answered++;
    release(ac, r);
    ac->first = server;
    free(r);
    pump(ctx, ac);
}

unsigned ike_radius_acct_pending(const struct ike_ctx *ctx)
{
    const struct ike_acct_client *ac = ctx->acct_client;
    return ac != NULL ? ac->outstanding + ac->nqueued : 0;
}

void ike_acct_client_free(struct ike_ctx *ctx)
{
    struct ike_acct_client *ac = ctx->acct_client;
    if (ac == NULL)
        return;
    for (unsigned s = 0; s < IKE_RADIUS_MAX_SERVERS; s++) {
        for (unsigned id = 0; id < 256; id++)
            free(ac->slots[s][id]);
    }
    while (ac->q_head != NULL) {
        struct acct_req *r = ac->q_head;
        ac->q_head = r->next;
        free(r);
    }
    free(ac);
    ctx->acct_client = NULL;
}
