/* SPDX-License-Identifier: BSD-3-Clause */
#include "mgmt_state.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

struct sa_printer {
    FILE *f;
    unsigned total, established;
};

static void print_sa(void *opaque, const struct ike_sa_info *sa)
{
    struct sa_printer *pr = opaque;
    FILE *f = pr->f;
    pr->total++;
    if (sa->state == IKE_SA_ESTABLISHED)
        pr->established++;
    fprintf(f,
            "ike_sa spi_i=%016llx spi_r=%016llx role=%s state=%s peer=%s natt=%s "
            "qcd_token_kept=%s qcd_token_sent=%s",
            (unsigned long long)sa->spi_i, (unsigned long long)sa->spi_r,
            sa->initiator ? "initiator" : "responder", ike_sa_state_name(sa->state),
            sa->peer ? sa->peer : "-", sa->natt ? "yes" : "no", sa->qcd_token_kept ? "yes" : "no",
            sa->qcd_token_sent ? "yes" : "no");
    char remote[IKE_ADDR_STRLEN];
    ike_addr_format(&sa->remote, remote, sizeof(remote));
    fprintf(f, " remote=%s", remote);
    mgmt_print_vips(f, sa);
    if (sa->nchildren > 0)
        fprintf(f, " child_in=%08x child_out=%08x", sa->child_spi_in, sa->child_spi_out);
    /* All of them (during a rekey there are two), as in/out pairs. */
    fprintf(f, " children=");
    for (unsigned i = 0; i < sa->nchildren && i < IKE_INFO_MAX_CHILDREN; i++)
        fprintf(f, "%s%08x/%08x", i ? "," : "", sa->children[i].spi_in, sa->children[i].spi_out);
    fprintf(f, "\n");
}

void mgmt_print_sas(FILE *f, const struct ike_ctx *ctx)
{
    struct sa_printer pr = {.f = f};
    ike_sa_foreach(ctx, print_sa, &pr);
    /* As veer-ike's: the table in one line, with the QCD counters (by their names). */
    const struct ike_counters *c = ike_get_counters(ctx);
    fprintf(f, "summary ike_sas=%u established=%u reconnects=%llu", pr.total, pr.established,
            (unsigned long long)c->reconnects);
#define PRINT_QCD(n)                                                                               \
    if (strncmp(#n, "qcd_", 4) == 0)                                                               \
        fprintf(f, " %s=%llu", #n, (unsigned long long)c->n);
    IKE_COUNTER_LIST(PRINT_QCD)
#undef PRINT_QCD
    fprintf(f, "\n");
}

/* An address without its port: "10.3.0.1", "fd00:3::1". */
static void print_ip(FILE *f, const struct ike_addr *a)
{
    char s[IKE_ADDR_STRLEN];
    ike_addr_format(a, s, sizeof(s));
    const char *p = s[0] == '[' ? s + 1 : s;
    fprintf(f, "%.*s", (int)strcspn(p, s[0] == '[' ? "]" : ":"), p);
}

void mgmt_print_vips(FILE *f, const struct ike_sa_info *sa)
{
    for (unsigned i = 0; i < sa->nvips && i < 2; i++) {
        fprintf(f, i == 0 ? " vips=" : ",");
        print_ip(f, &sa->vips[i]);
    }
}

void mgmt_print_pools(FILE *f, const struct ike_ctx *ctx)
{
    for (unsigned i = 0;; i++) {
        const struct ike_pool *p = ike_ctx_pool(ctx, i);
        if (p == NULL)
            break;
        const struct ike_pool_cfg *c = ike_pool_cfg(p);
        struct ike_pool_stats st;
        ike_pool_stats(p, &st);
        fprintf(f, "pool name=%s range=", c->name);
        print_ip(f, &c->first);
        fprintf(f, "-");
        print_ip(f, &c->last);
        fprintf(f, " size=%llu used=%llu held=%llu free=%llu exhausted=%llu\n",
                (unsigned long long)st.size, (unsigned long long)st.online,
                (unsigned long long)st.held, (unsigned long long)st.free,
                (unsigned long long)st.exhausted);
    }
}

void mgmt_print_ike_counters(FILE *f, const struct ike_ctx *ctx)
{
    const struct ike_counters *c = ike_get_counters(ctx);
#define PRINT_COUNTER(n) fprintf(f, "counter %s=%llu\n", #n, (unsigned long long)c->n);
    IKE_COUNTER_LIST(PRINT_COUNTER)
#undef PRINT_COUNTER
}

int mgmt_write_state(const char *path, const struct ike_ctx *ctx, void (*extra)(FILE *f, void *arg),
                     void *arg)
{
    char tmp[4096];
    if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
        return -ENAMETOOLONG;
    FILE *f = fopen(tmp, "w");
    if (f == NULL)
        return -errno;
    mgmt_print_sas(f, ctx);
    mgmt_print_pools(f, ctx);
    mgmt_print_ike_counters(f, ctx);
    if (extra != NULL)
        extra(f, arg);
    if (fclose(f) != 0)
        return -errno;
    return rename(tmp, path) == 0 ? 0 : -errno;
}
