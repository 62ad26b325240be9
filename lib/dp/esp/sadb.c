/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_malloc.h>
#include <rte_ring_elem.h>

#include "dp_esp.h"
#include "dp_esp_ts.h"
#include "dp_hash_key.h"
#include "esp_crypto.h"
#include "ike_consts.h"

#define SAD_ENTRIES 65536

/* Keys do not outlive their SA in freed memory. */
static void sa_free(struct dp_esp_sa *sa)
{
    if (sa == NULL)
        return;
    memset(&sa->key, 0, sizeof(sa->key));
    __atomic_thread_fence(__ATOMIC_SEQ_CST); /* the wipe is not optimised away before free */
    rte_free(sa);
}

int dp_sadb_init(struct dp_sadb *db, unsigned nworkers, char *err, size_t err_len)
{
    memset(db, 0, sizeof(*db));
    db->nworkers = nworkers;
    db->replay_window = DP_REPLAY_WINDOW_DEFAULT;
    struct rte_hash_parameters p = {.name = "veer_sad",
                                    .entries = SAD_ENTRIES,
                                    .key_len = sizeof(uint32_t),
                                    .socket_id = (int)rte_socket_id(),
                                    /* Workers read while the control lcore writes. */
                                    .extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF};
    db->in = rte_hash_create(&p);
    if (db->in != NULL)
        rte_hash_set_cmp_func(db->in, dp_hash_key32_cmp);
    size_t sz = rte_rcu_qsbr_get_memsize(nworkers);
    db->qsbr = rte_zmalloc("veer_qsbr", sz, RTE_CACHE_LINE_SIZE);
    db->out = calloc(1, sizeof(*db->out));
    db->rebind = rte_ring_create_elem("veer_rebind", sizeof(struct dp_rebind_msg), DP_REBIND_RING,
                                      (int)rte_socket_id(), RING_F_SC_DEQ);
    db->rebind_interval = rte_get_timer_hz() * DP_REBIND_INTERVAL_MS / 1000;
    if (db->in == NULL || db->rebind == NULL || db->qsbr == NULL || db->out == NULL ||
        rte_rcu_qsbr_init(db->qsbr, nworkers) != 0 ||
        dp_spd_index_init(&db->spd, db->qsbr, err, err_len) < 0) {
        snprintf(err, err_len, "cannot create the SA database");
        dp_sadb_free(db);
        return -1;
    }
    return 0;
}

void dp_sadb_free(struct dp_sadb *db)
{
    if (db->in != NULL) {
        const void *key;
        void *data;
        uint32_t it = 0;
        while (rte_hash_iterate(db->in, &key, &data, &it) >= 0)
            sa_free(data);
        rte_hash_free(db->in);
    }
    if (db->out != NULL) {
        for (unsigned i = 0; i < db->out->n; i++)
            sa_free(db->out->sa[i]);
        free(db->out);
    }
    dp_spd_index_free(&db->spd);
    rte_ring_free(db->rebind);
    rte_free(db->qsbr);
    memset(db, 0, sizeof(*db));
}

/* The control lcore's list: sa in front (the newest), or taken out. */
static void list_push(struct dp_spd *l, struct dp_esp_sa *sa)
{
    memmove(&l->sa[1], &l->sa[0], l->n * sizeof(l->sa[0]));
    l->sa[0] = sa;
    l->n++;
}

static int list_find(const struct dp_spd *l, uint32_t spi_out)
{
    for (unsigned i = 0; i < l->n; i++) {
        if (l->sa[i]->spi == spi_out)
            return (int)i;
    }
    return -1;
}

static void list_drop(struct dp_spd *l, unsigned at)
{
    memmove(&l->sa[at], &l->sa[at + 1], (l->n - at - 1) * sizeof(l->sa[0]));
    l->n--;
}

static int install(struct dp_sadb *db, const struct ike_child_sa *child, uint32_t replay_window,
                   char *why, size_t why_len)
{
    if (!dp_esp_sa_supported(child, why, why_len))
        return -ENOTSUP;
    if (db->out->n >= DP_MAX_OUT_SAS) {
        snprintf(why, why_len, "%u outbound SAs already", DP_MAX_OUT_SAS);
        return -ENOSPC;
    }
    struct dp_esp_sa *in = dp_esp_sa_new(child, true, replay_window, why, why_len);
    struct dp_esp_sa *out = in != NULL ? dp_esp_sa_new(child, false, 0, why, why_len) : NULL;
    if (in == NULL || out == NULL) {
        sa_free(in);
        sa_free(out);
        return -ENOMEM;
    }
    /*
     * Outbound halves dealt in turn, each inbound half to the worker after
     * its outbound one's: both directions spread evenly, and one Child SA's
     * two directions go to two workers.
     */
    out->owner = (uint16_t)(db->next_owner % db->nworkers);
    in->owner = (uint16_t)((db->next_owner + 1) % db->nworkers);
    db->next_owner = (db->next_owner + 1) % db->nworkers;
    if (rte_hash_add_key_data(db->in, &in->spi, in) < 0) {
        snprintf(why, why_len, "inbound SPI table full or SPI %08x taken", in->spi);
        sa_free(in);
        sa_free(out);
        return -ENOSPC;
    }
    /* A rekey's new SA is the newest: it takes the traffic from now on (RFC 7296 2.8). */
    out->installed = ++db->installs;
    if (dp_spd_index_add(&db->spd, out) < 0) {
        snprintf(why, why_len, "outbound policy index full or out of memory");
        int32_t pos = rte_hash_del_key(db->in, &in->spi);
        rte_rcu_qsbr_synchronize(db->qsbr, RTE_QSBR_THRID_INVALID);
        if (pos >= 0)
            rte_hash_free_key_with_position(db->in, pos);
        dp_spd_index_remove(&db->spd, out);
        sa_free(in);
        sa_free(out);
        return -ENOSPC;
    }
    list_push(db->out, out);
    return 0;
}

int dp_sadb_install(struct dp_sadb *db, const struct ike_child_sa *child, char *why, size_t why_len)
{
    return install(db, child, db->replay_window, why, why_len);
}

int dp_sadb_install_manual(struct dp_sadb *db, const struct ike_child_sa *child, bool anti_replay,
                           char *why, size_t why_len)
{
    return install(db, child, anti_replay ? db->replay_window : 0, why, why_len);
}

int dp_sadb_remove(struct dp_sadb *db, const struct ike_child_sa *child)
{
    uint32_t spi = child->spi_in;
    void *data = NULL;
    if (rte_hash_lookup_data(db->in, &spi, &data) >= 0) {
        int32_t pos = rte_hash_del_key(db->in, &spi);
        rte_rcu_qsbr_synchronize(db->qsbr, RTE_QSBR_THRID_INVALID);
        if (pos >= 0)
            rte_hash_free_key_with_position(db->in, pos);
        sa_free(data);
    }
    int at = list_find(db->out, child->spi_out);
    if (at >= 0) {
        struct dp_esp_sa *gone = db->out->sa[at];
        list_drop(db->out, (unsigned)at);
        /* Returns after the grace period: no worker holds gone any more. */
        dp_spd_index_remove(&db->spd, gone);
        sa_free(gone);
    }
    return 0;
}

/*
 * The inbound SA's view of where its peer sends from, moved in place: a
 * worker may be reading it (dp_esp.h says why that is harmless), so every
 * field goes in one atomic store of at most 32 bits.
 */
static void move_inbound_peer(struct dp_sadb *db, const struct ike_child_sa *child)
{
    uint32_t spi = child->spi_in;
    void *data = NULL;
    if (rte_hash_lookup_data(db->in, &spi, &data) < 0)
        return;
    struct dp_esp_sa *in = data;
    if (child->remote.family != in->outer_family)
        return; /* dp_esp_sa_supported refuses a change of family for the outbound SA too */
    uint32_t words[4] = {0};
    memcpy(words, child->remote.ip, ike_addr_ip_len(&child->remote));
    uint32_t *to = (uint32_t *)in->remote_ip6;
    for (unsigned i = 0; i < ike_addr_ip_len(&child->remote) / 4; i++)
        __atomic_store_n(&to[i], words[i], __ATOMIC_RELAXED);
    __atomic_store_n(&in->remote_port, child->udp_encap ? child->remote.port : 0, __ATOMIC_RELAXED);
    __atomic_store_n(&in->udp_encap, child->udp_encap, __ATOMIC_RELAXED);
    __atomic_store_n(&in->esp_rebind, child->udp_encap && child->esp_rebind, __ATOMIC_RELAXED);
}

int dp_sadb_update(struct dp_sadb *db, const struct ike_child_sa *child, char *why, size_t why_len)
{
    int at = list_find(db->out, child->spi_out);
    if (at < 0) {
        snprintf(why, why_len, "no outbound SA %08x", child->spi_out);
        return -ENOENT;
    }
    struct dp_esp_sa *old = db->out->sa[at];
    struct dp_esp_sa *sa = dp_esp_sa_new(child, false, 0, why, why_len);
    if (sa == NULL)
        return -ENOMEM;
    /*
     * Workers may still send a burst or two with the old SA until the grace
     * period ends: the new one starts that far ahead so that no sequence
     * number goes out twice (a gap is harmless to the receiver's window).
     */
    uint64_t headroom = (uint64_t)DP_UPDATE_SEQ_HEADROOM * db->nworkers;
    uint64_t start = __atomic_load_n(&old->seq, __ATOMIC_RELAXED) + headroom;
    sa->seq = start < sa->seq_max ? start : sa->seq_max;
    sa->rekey_state = __atomic_load_n(&old->rekey_state, __ATOMIC_RELAXED);
    sa->installed = old->installed; /* the same SA, moved: not a newer one */
    sa->owner = old->owner;         /* what the old one's owner has queued stays in order */
    /* Returns after the grace period: from then on only sa is used. */
    if (dp_spd_index_replace(&db->spd, old, sa) < 0) {
        snprintf(why, why_len, "out of memory");
        sa_free(sa);
        return -ENOMEM;
    }
    db->out->sa[at] = sa;
    /* Nobody uses the old SA now: what it sent counts for the new one. */
    uint64_t used = __atomic_load_n(&old->seq, __ATOMIC_RELAXED);
    uint64_t cur = __atomic_load_n(&sa->seq, __ATOMIC_RELAXED);
    while (cur < used && !__atomic_compare_exchange_n(&sa->seq, &cur, used, true, __ATOMIC_RELAXED,
                                                      __ATOMIC_RELAXED))
        ;
    __atomic_fetch_add(&sa->packets, old->packets, __ATOMIC_RELAXED);
    __atomic_fetch_add(&sa->bytes, old->bytes, __ATOMIC_RELAXED);
    sa_free(old);
    move_inbound_peer(db, child);
    return 0;
}

int dp_sadb_in_owner(const struct dp_sadb *db, const struct rte_mbuf *m, size_t esp_off)
{
    if (rte_pktmbuf_data_len(m) < esp_off + sizeof(uint32_t))
        return -1;
    uint32_t spi = dp_get32(rte_pktmbuf_mtod_offset(m, const uint8_t *, esp_off));
    void *data = NULL;
    if (rte_hash_lookup_data(db->in, &spi, &data) < 0)
        return -1;
    return ((const struct dp_esp_sa *)data)->owner;
}

/*
 * When sa's count `packets` last moved: now, if it moved since the last look.
 * Inbound, only packets from the peer count (packets_from_peer): ESP from
 * elsewhere is no proof the peer is there and took its address updates
 * (RFC 4555 3.12), so it does not spare the peer a liveness check.
 */
static uint64_t last_use(struct dp_esp_sa *sa, const uint64_t *count, uint64_t now_ns)
{
    uint64_t packets = __atomic_load_n(count, __ATOMIC_RELAXED);
    if (packets != sa->seen_packets) {
        sa->seen_packets = packets;
        sa->last_used_ns = now_ns;
    }
    return sa->last_used_ns;
}

void dp_sadb_traffic(struct dp_sadb *db, uint64_t now_ns, dp_traffic_fn fn, void *arg)
{
    /* The control lcore is the only writer of db->out: no grace period needed to read it. */
    const struct dp_spd *spd = db->out;
    for (unsigned i = 0; i < spd->n; i++) {
        struct dp_esp_sa *out = spd->sa[i];
        void *data = NULL;
        uint32_t spi = out->child_spi_in;
        struct dp_esp_sa *in = rte_hash_lookup_data(db->in, &spi, &data) >= 0 ? data : NULL;
        struct ike_child_traffic t = {.packets_out =
                                          __atomic_load_n(&out->packets, __ATOMIC_RELAXED),
                                      .bytes_out = __atomic_load_n(&out->bytes, __ATOMIC_RELAXED),
                                      .last_out_ns = last_use(out, &out->packets, now_ns)};
        if (in != NULL) {
            t.packets_in = __atomic_load_n(&in->packets, __ATOMIC_RELAXED);
            t.bytes_in = __atomic_load_n(&in->bytes, __ATOMIC_RELAXED);
            t.last_in_ns = last_use(in, &in->packets_from_peer, now_ns);
        }
        fn(arg, out, in, &t);
    }
}

unsigned dp_sadb_rekeys_wanted(struct dp_sadb *db, const struct dp_esp_sa **out, unsigned max)
{
    /* The control lcore is the only writer of the array: no RCU needed to read it here. */
    unsigned n = 0;
    for (unsigned i = 0; i < db->out->n && n < max; i++) {
        struct dp_esp_sa *sa = db->out->sa[i];
        uint8_t wanted = DP_REKEY_WANTED;
        if (__atomic_compare_exchange_n(&sa->rekey_state, &wanted, DP_REKEY_ASKED, false,
                                        __ATOMIC_RELAXED, __ATOMIC_RELAXED))
            out[n++] = sa;
    }
    return n;
}

unsigned dp_sadb_rebinds(struct dp_sadb *db, struct dp_rebind *out, unsigned max)
{
    struct dp_rebind_msg msg[32];
    if (db->rebind == NULL)
        return 0;
    unsigned n =
        rte_ring_sc_dequeue_burst_elem(db->rebind, msg, sizeof(msg[0]), max < 32 ? max : 32, NULL);
    unsigned k = 0;
    for (unsigned i = 0; i < n; i++) {
        void *data = NULL;
        if (rte_hash_lookup_data(db->in, &msg[i].spi, &data) < 0)
            continue; /* removed since */
        struct dp_esp_sa *in = data;
        __atomic_store_n(&in->rebind_pending, 0, __ATOMIC_RELEASE);
        out[k].in = in;
        memset(&out[k].from, 0, sizeof(out[k].from));
        out[k].from.family = msg[i].family;
        out[k].from.port = msg[i].port;
        memcpy(out[k].from.ip, msg[i].ip, sizeof(msg[i].ip));
        k++;
    }
    return k;
}
