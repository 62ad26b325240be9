/* SPDX-License-Identifier: BSD-3-Clause */
#include "control.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CONTROL_LINE_MAX 1024
#define CONTROL_LINES_MAX 64 /* a runaway file is not read forever */

static bool parse_addr(const char *s, struct ike_addr *a)
{
    return ike_addr_parse(a, s, 0) == 0;
}

static bool parse_spi(const char *s, uint64_t *spi)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 16);
    if (errno != 0 || *end != '\0' || end == s)
        return false;
    *spi = v;
    return true;
}

/* The words of line (modified in place), at most max; returns how many. */
static unsigned split(char *line, char **words, unsigned max)
{
    unsigned n = 0;
    for (char *save = NULL, *w = strtok_r(line, " \t", &save); w != NULL;
         w = strtok_r(NULL, " \t", &save)) {
        if (n == max)
            return max + 1;
        words[n++] = w;
    }
    return n;
}

static int cmd_switch(struct ike_ctx *ctx, char **w, unsigned n, char *out, size_t cap)
{
    struct ike_addr from, to;
    if (n != 3 || !parse_addr(w[1], &from) || !parse_addr(w[2], &to)) {
        snprintf(out, cap, "usage: switch FROM TO (addresses)");
        return -1;
    }
    unsigned not_capable = 0;
    unsigned asked = ike_mobike_switch_where(ctx, NULL, NULL, &from, &to, &not_capable);
    snprintf(out, cap, "asked=%u not_capable=%u", asked, not_capable);
    return 0;
}

static int cmd_switch_sa(struct ike_ctx *ctx, char **w, unsigned n, char *out, size_t cap)
{
    uint64_t spi_i, spi_r;
    struct ike_addr to;
    if (n != 4 || !parse_spi(w[1], &spi_i) || !parse_spi(w[2], &spi_r) || !parse_addr(w[3], &to)) {
        snprintf(out, cap, "usage: switch-sa SPI_I SPI_R TO");
        return -1;
    }
    int rc = ike_mobike_switch(ctx, spi_i, spi_r, &to);
    snprintf(out, cap, "%s", rc == 0 ? "asked" : strerror(-rc));
    return rc == 0 || rc == -EBUSY ? 0 : -1;
}

static int cmd_redirect_all(struct ike_ctx *ctx, char **w, unsigned n, char *out, size_t cap)
{
    struct ike_addr a;
    if (n != 2 || !parse_addr(w[1], &a)) {
        snprintf(out, cap, "usage: redirect-all GW (an address)");
        return -1;
    }
    struct ike_gw_id gw = {.type = a.family == 6 ? IKE_GW_IPV6 : IKE_GW_IPV4,
                           .len = (uint8_t)ike_addr_ip_len(&a)};
    memcpy(gw.value, a.ip, gw.len);
    snprintf(out, cap, "redirected=%u", ike_redirect_all(ctx, &gw));
    return 0;
}

static int cmd_local_addrs(struct ike_ctx *ctx, char **w, unsigned n, char *out, size_t cap)
{
    struct ike_addr addrs[IKE_MAX_LOCAL_ADDRS];
    unsigned k = 0;
    if (n != 2) {
        snprintf(out, cap, "usage: local-addrs A[,B..]");
        return -1;
    }
    for (char *save = NULL, *s = strtok_r(w[1], ",", &save); s != NULL;
         s = strtok_r(NULL, ",", &save)) {
        if (k == IKE_MAX_LOCAL_ADDRS || !parse_addr(s, &addrs[k])) {
            snprintf(out, cap, "bad address list (at most %d addresses)", IKE_MAX_LOCAL_ADDRS);
            return -1;
        }
        k++;
    }
    const struct ike_counters *c = ike_get_counters(ctx);
    uint64_t moved = c->mobike_local_moved, asked = c->rmobike_switch_asked,
             gone = c->mobike_local_gone;
    int rc = ike_set_local_addrs(ctx, addrs, k, NULL, 0);
    snprintf(out, cap, "rc=%d moving=%" PRIu64 " switching=%" PRIu64 " left=%" PRIu64, rc,
             c->mobike_local_moved - moved, c->rmobike_switch_asked - asked,
             c->mobike_local_gone - gone);
    return rc == 0 ? 0 : -1;
}

int control_run(struct ike_ctx *ctx, const char *line, char *out, size_t cap)
{
    char copy[CONTROL_LINE_MAX];
    char *w[5];
    snprintf(copy, sizeof(copy), "%s", line);
    unsigned n = split(copy, w, 4);
    if (n == 0) {
        snprintf(out, cap, "empty");
        return -1;
    }
    if (strcmp(w[0], "switch") == 0)
        return cmd_switch(ctx, w, n, out, cap);
    if (strcmp(w[0], "switch-sa") == 0)
        return cmd_switch_sa(ctx, w, n, out, cap);
    if (strcmp(w[0], "redirect-all") == 0)
        return cmd_redirect_all(ctx, w, n, out, cap);
    if (strcmp(w[0], "local-addrs") == 0)
        return cmd_local_addrs(ctx, w, n, out, cap);
    snprintf(out, cap, "unknown command");
    return -1;
}

unsigned control_poll(const char *path, struct ike_ctx *ctx, FILE *log)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return 0;
    char line[CONTROL_LINE_MAX], out[256];
    unsigned n = 0;
    while (n < CONTROL_LINES_MAX && fgets(line, sizeof(line), f) != NULL) {
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0] == '\0' || line[0] == '#')
            continue;
        /* Before the run: a switch of many SAs sends its requests inside it (benchmarks). */
        fprintf(log, "INFO control: run %s\n", line);
        fflush(log);
        int rc = control_run(ctx, line, out, sizeof(out));
        fprintf(log, "%s control: %s: %s\n", rc == 0 ? "INFO" : "WARN", line, out);
        n++;
    }
    fclose(f);
    unlink(path);
    fflush(log);
    return n;
}
