/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_malloc.h>

#include "dp_esp.h"
#include "ike_consts.h"

#define SAD_ENTRIES 65536

int dp_sadb_init(struct dp_sadb *db, unsigned nworkers, char *err, size_t err_len)
{
    memset(db, 0, sizeof(*db));
    db->nworkers = nworkers;
    struct rte_hash_parameters p = {.name = "veer_sad",
                                    .entries = SAD_ENTRIES,
                                    .key_len = sizeof(uint32_t),
                                    .socket_id = (int)rte_socket_id(),
                                    /* Workers read while the control lcore writes. */
                                    .extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF};
    db->in = rte_hash_create(&p);
    size_t sz = rte_rcu_qsbr_get_memsize(nworkers);
    db->qsbr = rte_zmalloc("veer_qsbr", sz, RTE_CACHE_LINE_SIZE);
    db->out = calloc(1, sizeof(*db->out));
    if (db->in == NULL || db->qsbr == NULL || db->out == NULL ||
        rte_rcu_qsbr_init(db->qsbr, nworkers) != 0) {
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
            rte_free(data);
        rte_hash_free(db->in);
    }
    if (db->out != NULL) {
        for (unsigned i = 0; i < db->out->n; i++)
            rte_free(db->out->sa[i]);
        free(db->out);
    }
    rte_free(db->qsbr);
    memset(db, 0, sizeof(*db));
}

static struct dp_esp_sa *make_sa(const struct ike_child_sa *c, bool inbound)
{
    if (c->alg.encr.id != IKE_ENCR_AES_GCM_16 ||
        (c->alg.encr.key_bits != 128 && c->alg.encr.key_bits != 256) ||
        c->encr_key_len != c->alg.encr.key_bits / 8u + 4 || c->local.family != 4)
        return NULL;
    struct dp_esp_sa *sa = rte_zmalloc("veer_sa", sizeof(*sa), 64);
    if (sa == NULL)
        return NULL;
    const uint8_t *key = inbound ? c->encr_in : c->encr_out;
    size_t klen = c->alg.encr.key_bits / 8u;
    sa->key_bits = c->alg.encr.key_bits;
    memcpy(sa->salt, key + klen, 4);
    /*
     * The GHASH tables differ between code paths (SSE, AVX2, VAES/AVX-512):
     * expand with the same automatic choice the workers' managers make.
     */
    IMB_MGR *mgr = alloc_mb_mgr(0);
    if (mgr == NULL) {
        rte_free(sa);
        return NULL;
    }
    IMB_ARCH arch;
    init_mb_mgr_auto(mgr, &arch);
    if (klen == 32)
        IMB_AES256_GCM_PRE(mgr, key, &sa->key);
    else
        IMB_AES128_GCM_PRE(mgr, key, &sa->key);
    free_mb_mgr(mgr);
    sa->spi = inbound ? c->spi_in : c->spi_out;
    sa->udp_encap = c->udp_encap;
    memcpy(&sa->local_ip, c->local.ip, 4);
    memcpy(&sa->remote_ip, c->remote.ip, 4);
    sa->local_port = c->udp_encap ? 4500 : 0;
    sa->remote_port = c->udp_encap ? c->remote.port : 0;
    sa->ts_local = c->ts_local;
    sa->ts_remote = c->ts_remote;
    return sa;
}

/* Swaps in a new outbound array; the old one is freed once no worker can be reading it. */
static void publish_out(struct dp_sadb *db, struct dp_spd *next, struct dp_esp_sa *gone)
{
    struct dp_spd *old = __atomic_exchange_n(&db->out, next, __ATOMIC_RELEASE);
    rte_rcu_qsbr_synchronize(db->qsbr, RTE_QSBR_THRID_INVALID);
    free(old);
    rte_free(gone);
}

int dp_sadb_install(struct dp_sadb *db, const struct ike_child_sa *child)
{
    struct dp_esp_sa *in = make_sa(child, true), *out = make_sa(child, false);
    struct dp_spd *next = malloc(sizeof(*next));
    if (in == NULL || out == NULL || next == NULL || db->out->n >= DP_MAX_OUT_SAS) {
        rte_free(in);
        rte_free(out);
        free(next);
        return -ENOTSUP;
    }
    if (rte_hash_add_key_data(db->in, &in->spi, in) < 0) {
        rte_free(in);
        rte_free(out);
        free(next);
        return -ENOSPC;
    }
    /* A rekey's new SA goes first: it takes the traffic from now on (RFC 7296 2.8). */
    next->n = 0;
    next->sa[next->n++] = out;
    for (unsigned i = 0; i < db->out->n; i++)
        next->sa[next->n++] = db->out->sa[i];
    publish_out(db, next, NULL);
    return 0;
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
        rte_free(data);
    }
    struct dp_spd *next = malloc(sizeof(*next));
    if (next == NULL)
        return -ENOMEM;
    next->n = 0;
    struct dp_esp_sa *gone = NULL;
    for (unsigned i = 0; i < db->out->n; i++) {
        if (db->out->sa[i]->spi == child->spi_out && gone == NULL)
            gone = db->out->sa[i];
        else
            next->sa[next->n++] = db->out->sa[i];
    }
    publish_out(db, next, gone);
    return 0;
}

static bool in_range(const struct ike_ts *ts, uint32_t addr)
{
    if (ts->type != IKE_TS_IPV4_ADDR_RANGE)
        return false;
    uint32_t a = rte_be_to_cpu_32(addr);
    uint32_t lo = (uint32_t)ts->start_addr[0] << 24 | (uint32_t)ts->start_addr[1] << 16 |
                  (uint32_t)ts->start_addr[2] << 8 | ts->start_addr[3];
    uint32_t hi = (uint32_t)ts->end_addr[0] << 24 | (uint32_t)ts->end_addr[1] << 16 |
                  (uint32_t)ts->end_addr[2] << 8 | ts->end_addr[3];
    return a >= lo && a <= hi;
}

static bool set_covers(const struct ike_ts_set *s, uint32_t addr)
{
    for (unsigned i = 0; i < s->nts; i++) {
        if (in_range(&s->ts[i], addr))
            return true;
    }
    return false;
}

struct dp_esp_sa *dp_spd_lookup(const struct dp_sadb *db, uint32_t src, uint32_t dst)
{
    /* A linear walk: fine for a few SAs; an rte_acl classifier replaces it at scale. */
    const struct dp_spd *spd = __atomic_load_n(&db->out, __ATOMIC_ACQUIRE);
    for (unsigned i = 0; i < spd->n; i++) {
        struct dp_esp_sa *sa = spd->sa[i];
        if (set_covers(&sa->ts_local, src) && set_covers(&sa->ts_remote, dst))
            return sa;
    }
    return NULL;
}
