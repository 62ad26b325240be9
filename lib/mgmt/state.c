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
    mgmt_print_ike_counters(f, ctx);
    if (extra != NULL)
        extra(f, arg);
    if (fclose(f) != 0)
        return -errno;
    return rename(tmp, path) == 0 ? 0 : -errno;
}
