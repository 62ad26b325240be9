/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The RADIUS client of EAP pass-through (RFC 3579): no socket and no clock of
 * its own; datagrams go out through ike_backend.radius_send() and come back
 * through ike_radius_input(), time is ike_tick's.
 *
 * Each server has 256 identifiers; a request holds one while it is
 * outstanding on that server (RFC 2865 3), and waits in a bounded queue when
 * all are taken. An unanswered request is sent again (same identifier and
 * authenticator, RFC 5080 2.2.1) every timeout_ms, `tries` times in all,
 * then rebuilt for the next server (its secret, a new identifier and
 * authenticator); after the last server the client is refused.
 */
#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

#include "eap_radius.h"

#define RAD_QUEUE_MAX 1024
#define RAD_USER_MAX IKE_RADIUS_ATTR_MAX_VALUE

struct ike_rad_req {
    struct ike_sa *sa; /* NULL once the conversation went: answered to nobody */
    unsigned server;
    int id; /* identifier on `server`, -1 while queued */
    unsigned tries;
    unsigned servers_tried;
    uint64_t deadline_ns;
    uint8_t auth[IKE_RADIUS_AUTH_LEN];
    uint8_t user[RAD_USER_MAX];
    size_t user_len;
    uint8_t eap[IKE_RADIUS_EAP_MAX];
    size_t eap_len;
    uint8_t state[IKE_RADIUS_ATTR_MAX_VALUE];
    size_t state_len;
    struct ike_addr client;
    uint8_t pkt[IKE_RADIUS_MAX_LEN];
    size_t len;
    struct ike_rad_req *next; /* in the queue */
};

struct ike_radius_client {
    struct ike_rad_req *slots[IKE_RADIUS_MAX_SERVERS][256];
    uint8_t next_id[IKE_RADIUS_MAX_SERVERS];
    unsigned first; /* the server new requests go to: the last that answered */
    struct ike_rad_req *q_head, *q_tail;
    unsigned nqueued;
};

static struct ike_radius_client *client(struct ike_ctx *ctx)
{
    if (ctx->radius == NULL)
        ctx->radius = calloc(1, sizeof(*ctx->radius));
    return ctx->radius;
}

static unsigned timeout_ms(const struct ike_ctx *ctx)
{
    return ctx->cfg.radius.timeout_ms ? ctx->cfg.radius.timeout_ms : 1000;
}

static unsigned tries(const struct ike_ctx *ctx)
{
    return ctx->cfg.radius.tries ? ctx->cfg.radius.tries : 3;
}

static void free_req(struct ike_rad_req *r)
{
    OPENSSL_cleanse(r, sizeof(*r));
    free(r);
}

static void transmit(struct ike_ctx *ctx, struct ike_rad_req *r)
{
    r->tries++;
    r->deadline_ns = ike_now(ctx) + (uint64_t)timeout_ms(ctx) * 1000000ull;
    if (ctx->be.radius_send == NULL ||
        ctx->be.radius_send(ctx->be.opaque, r->server, r->pkt, r->len) < 0)
        ctx->counters.radius_send_failed++;
}

/* Takes an identifier on r->server and builds the packet for it; false when none is free. */
static bool take_id(struct ike_ctx *ctx, struct ike_radius_client *rc, struct ike_rad_req *r)
{
    unsigned s = r->server;
    for (unsigned k = 0; k < 256; k++) {
        uint8_t id = (uint8_t)(rc->next_id[s] + k);
        if (rc->slots[s][id] != NULL)
            continue;
        rc->next_id[s] = (uint8_t)(id + 1);
        ike_random(ctx, r->auth, sizeof(r->auth));
        const struct ike_radius_server_cfg *srv = &ctx->cfg.radius.servers[s];
        const char *nas = ctx->cfg.radius.nas_identifier;
        struct ike_radius_access_req q = {
            .identifier = id,
            .user_name = r->user,
            .user_name_len = r->user_len,
            .eap = r->eap,
            .eap_len = r->eap_len,
            .state = r->state_len ? r->state : NULL,
            .state_len = r->state_len,
            .client = r->client.family ? &r->client : NULL,
            .nas = {.identifier = nas[0] ? nas : NULL},
        };
        memcpy(q.authenticator, r->auth, sizeof(r->auth));
        enum ike_radius_reject why;
        long n = ike_radius_access_request(&q, srv->secret, srv->secret_len, r->pkt, sizeof(r->pkt),
                                           &why);
        if (n < 0) {
            ctx->counters.radius_build_failed++;
            r->len = 0;
            return true; /* taken nothing; the caller sees len 0 */
        }
        r->len = (size_t)n;
        r->id = id;
        r->tries = 0;
        rc->slots[s][id] = r;
        return true;
    }
    return false;
}

static void enqueue(struct ike_radius_client *rc, struct ike_rad_req *r)
{
    r->id = -1;
    r->next = NULL;
    if (rc->q_tail != NULL)
        rc->q_tail->next = r;
    else
        rc->q_head = r;
    rc->q_tail = r;
    rc->nqueued++;
}

static void finish(struct ike_ctx *ctx, struct ike_rad_req *r, const struct ike_radius_reply *rep);

/* Puts r on its server: sent, or queued; a packet that cannot be built ends it. */
static void place(struct ike_ctx *ctx, struct ike_radius_client *rc, struct ike_rad_req *r)
{
    if (!take_id(ctx, rc, r)) {
        ctx->counters.radius_queued++;
        enqueue(rc, r);
        return;
    }
    if (r->len == 0) {
        finish(ctx, r, NULL);
        return;
    }
    transmit(ctx, r);
}

/* Requests waiting for an identifier, as identifiers come free. */
static void pump(struct ike_ctx *ctx, struct ike_radius_client *rc)
{
    struct ike_rad_req **pp = &rc->q_head, *last = NULL;
    while (*pp != NULL) {
        struct ike_rad_req *r = *pp;
        if (r->sa == NULL) { /* nobody waits for it any more */
            *pp = r->next;
            rc->nqueued--;
            free_req(r);
            continue;
        }
        if (!take_id(ctx, rc, r)) {
            last = r;
            pp = &r->next;
            continue;
        }
        *pp = r->next;
        rc->nqueued--;
        if (r->len == 0)
            finish(ctx, r, NULL);
        else
            transmit(ctx, r);
    }
    rc->q_tail = last;
}

/* r is answered (reply) or given up (NULL): its SA hears it, r is freed. */
static void finish(struct ike_ctx *ctx, struct ike_rad_req *r, const struct ike_radius_reply *rep)
{
    struct ike_sa *sa = r->sa;
    if (sa == NULL) {
        ctx->counters.radius_orphaned++;
    } else {
        if (rep == NULL)
            ctx->counters.radius_gave_up++;
        ike_auth_eap_radius_done(ctx, sa, rep);
    }
    free_req(r);
}

static void release(struct ike_radius_client *rc, struct ike_rad_req *r)
{
    if (r->id >= 0 && rc->slots[r->server][r->id] == r)
        rc->slots[r->server][r->id] = NULL;
    r->id = -1;
}

struct ike_rad_req *ike_eap_radius_send(struct ike_ctx *ctx, struct ike_sa *sa,
                                        const struct ike_rad_input *in, bool *full)
{
    *full = false;
    struct ike_radius_client *rc = client(ctx);
    if (rc == NULL || ctx->cfg.radius.nservers == 0 || in->user_len == 0 ||
        in->user_len > RAD_USER_MAX || in->eap_len > IKE_RADIUS_EAP_MAX ||
        in->state_len > IKE_RADIUS_ATTR_MAX_VALUE) {
        ctx->counters.radius_build_failed++;
        return NULL;
    }
    struct ike_rad_req *r = calloc(1, sizeof(*r));
    if (r == NULL)
        return NULL;
    r->sa = sa;
    r->id = -1;
    r->server = rc->first < ctx->cfg.radius.nservers ? rc->first : 0;
    memcpy(r->user, in->user, in->user_len);
    r->user_len = in->user_len;
    memcpy(r->eap, in->eap, in->eap_len);
    r->eap_len = in->eap_len;
    if (in->state_len)
        memcpy(r->state, in->state, in->state_len);
    r->state_len = in->state_len;
    r->client = sa->remote;
    if (!take_id(ctx, rc, r)) {
        if (rc->nqueued >= RAD_QUEUE_MAX) {
            ctx->counters.radius_queue_full++;
            *full = true;
            free_req(r);
            return NULL;
        }
        ctx->counters.radius_queued++;
        enqueue(rc, r);
        ctx->counters.radius_requests++;
        return r;
    }
    if (r->len == 0) {
        free_req(r);
        return NULL;
    }
    ctx->counters.radius_requests++;
    transmit(ctx, r);
    return r;
}

void ike_eap_radius_forget(struct ike_rad_req *r)
{
    if (r != NULL)
        r->sa = NULL;
}

void ike_eap_radius_tick(struct ike_ctx *ctx, uint64_t now)
{
    struct ike_radius_client *rc = ctx->radius;
    if (rc == NULL)
        return;
    unsigned n = ctx->cfg.radius.nservers;
    bool freed = false;
    for (unsigned s = 0; s < n && s < IKE_RADIUS_MAX_SERVERS; s++) {
        for (unsigned id = 0; id < 256; id++) {
            struct ike_rad_req *r = rc->slots[s][id];
            if (r == NULL || now < r->deadline_ns)
                continue;
            if (r->sa == NULL) { /* nobody listens: no point asking again */
                release(rc, r);
                free_req(r);
                freed = true;
                continue;
            }
            if (r->tries < tries(ctx)) {
                ctx->counters.radius_retransmits++;
                transmit(ctx, r);
                continue;
            }
            release(rc, r);
            freed = true;
            if (++r->servers_tried >= n) {
                if (r->sa != NULL)
                    ike_sa_log(ctx, r->sa, IKE_LOG_WARN,
                               "RADIUS: no server answered; client refused");
                else
                    ike_log(ctx, IKE_LOG_WARN, "RADIUS: no server answered");
                finish(ctx, r, NULL);
                continue;
            }
            unsigned from = r->server;
            r->server = (r->server + 1) % n;
            if (rc->first == from)
                rc->first = r->server;
            ctx->counters.radius_failovers++;
            ike_log(ctx, IKE_LOG_WARN, "RADIUS: server %u silent, trying server %u", from,
                    r->server);
            /* Its slot on the new server may be below `id` or after it: sent at most once here. */
            place(ctx, rc, r);
        }
    }
    if (freed)
        pump(ctx, rc);
}

void ike_radius_count_reject(struct ike_ctx *ctx, enum ike_radius_reject why)
{
    struct ike_counters *k = &ctx->counters;
    switch (why) {
    case IKE_RADIUS_OK:
        break;
    case IKE_RADIUS_TRUNCATED:
        k->radius_rx_truncated++;
        break;
    case IKE_RADIUS_LENGTH_TOO_SMALL:
        k->radius_rx_length_too_small++;
        break;
    case IKE_RADIUS_LENGTH_TOO_LARGE:
        k->radius_rx_length_too_large++;
        break;
    case IKE_RADIUS_LENGTH_OVERRUN:
        k->radius_rx_length_overrun++;
        break;
    case IKE_RADIUS_UNKNOWN_CODE:
        k->radius_rx_unknown_code++;
        break;
    case IKE_RADIUS_ATTR_TOO_SHORT:
        k->radius_rx_attr_too_short++;
        break;
    case IKE_RADIUS_ATTR_OVERRUN:
        k->radius_rx_attr_overrun++;
        break;
    case IKE_RADIUS_ATTR_BAD_LENGTH:
        k->radius_rx_attr_bad_length++;
        break;
    case IKE_RADIUS_ATTR_REPEATED:
        k->radius_rx_attr_repeated++;
        break;
    case IKE_RADIUS_BAD_RESPONSE_AUTH:
        k->radius_rx_bad_response_auth++;
        break;
    case IKE_RADIUS_MA_MISSING:
        k->radius_rx_ma_missing++;
        break;
    case IKE_RADIUS_BAD_MESSAGE_AUTH:
        k->radius_rx_bad_message_auth++;
        break;
    case IKE_RADIUS_EAP_MISSING:
        k->radius_rx_eap_missing++;
        break;
    case IKE_RADIUS_EAP_TOO_LONG:
        k->radius_rx_eap_too_long++;
        break;
    case IKE_RADIUS_EAP_BAD_LENGTH:
        k->radius_rx_eap_bad_length++;
        break;
    case IKE_RADIUS_MPPE_BAD_FORMAT:
        k->radius_rx_mppe_bad_format++;
        break;
    case IKE_RADIUS_MPPE_BAD_KEY:
        k->radius_rx_mppe_bad_key++;
        break;
    case IKE_RADIUS_MPPE_ONE_KEY:
        k->radius_rx_mppe_one_key++;
        break;
    default:
        k->radius_rx_other++;
        break;
    }
}

void ike_radius_input(struct ike_ctx *ctx, unsigned server, const uint8_t *buf, size_t len)
{
    struct ike_radius_client *rc = ctx->radius;
    int id = ike_radius_identifier(buf, len);
    if (id < 0) {
        ctx->counters.radius_rx_truncated++;
        return;
    }
    if (rc == NULL || server >= ctx->cfg.radius.nservers || server >= IKE_RADIUS_MAX_SERVERS ||
        rc->slots[server][id] == NULL) {
        ctx->counters.radius_unmatched++;
        return;
    }
    struct ike_rad_req *r = rc->slots[server][id];
    const struct ike_radius_server_cfg *srv = &ctx->cfg.radius.servers[server];
    struct ike_radius_reply *rep = malloc(sizeof(*rep));
    if (rep == NULL)
        return;
    enum ike_radius_reject why =
        ike_radius_parse_reply(buf, len, r->auth, srv->secret, srv->secret_len, rep);
    if (why != IKE_RADIUS_OK) {
        /* Forged or damaged: the request stays outstanding for the real answer. */
        ike_radius_count_reject(ctx, why);
        /* Anyone who can reach our RADIUS port can make these: limited. */
        ike_log_rl(ctx, IKE_LOG_WARN, "RADIUS: reply from server %u refused: %s", server,
                   ike_radius_reject_name(why));
        free(rep);
        return;
    }
    release(rc, r);
    rc->first = server;
    finish(ctx, r, rep);
    OPENSSL_cleanse(rep, sizeof(*rep));
    free(rep);
    pump(ctx, rc);
}

void ike_eap_radius_free(struct ike_ctx *ctx)
{
    struct ike_radius_client *rc = ctx->radius;
    if (rc == NULL)
        return;
    for (unsigned s = 0; s < IKE_RADIUS_MAX_SERVERS; s++) {
        for (unsigned id = 0; id < 256; id++) {
            if (rc->slots[s][id] != NULL)
                free_req(rc->slots[s][id]);
        }
    }
    while (rc->q_head != NULL) {
        struct ike_rad_req *r = rc->q_head;
        rc->q_head = r->next;
        free_req(r);
    }
    free(rc);
    ctx->radius = NULL;
}
