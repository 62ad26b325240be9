/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Log lines about one SA carry a fixed tag naming it (ike_sa.h): the peer
 * configuration, the SA's number, the peer's address, the SPIs and the
 * authenticated identity. The identity comes from the wire, so it is quoted,
 * escaped and cut short: a client cannot forge a line or fill the log with
 * its ID payload.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/x509.h>

#include "ike_consts.h"
#include "ike_sa.h"

#define LINE_MAX_CHARS 1024
#define PEER_NAME_CHARS 32 /* a configuration's name: longer ones are cut in the tag */

/* The identity's text before escaping: an address, a DN, or its own octets. */
static size_t id_plain(const struct ike_id *id, char *out, size_t cap, const uint8_t **raw)
{
    *raw = NULL;
    if ((id->type == IKE_ID_IPV4_ADDR && id->len == 4) ||
        (id->type == IKE_ID_IPV6_ADDR && id->len == 16)) {
        if (inet_ntop(id->type == IKE_ID_IPV4_ADDR ? AF_INET : AF_INET6, id->data, out,
                      (socklen_t)cap) != NULL)
            return strlen(out);
    }
    if (id->type == IKE_ID_DER_ASN1_DN) {
        const unsigned char *p = id->data;
        X509_NAME *name = d2i_X509_NAME(NULL, &p, id->len);
        BIO *bio = name != NULL ? BIO_new(BIO_s_mem()) : NULL;
        int n = -1;
        if (bio != NULL && X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253) >= 0)
            n = BIO_read(bio, out, (int)cap - 1);
        BIO_free(bio);
        X509_NAME_free(name);
        if (n >= 0) {
            out[n] = '\0';
            return (size_t)n;
        }
    }
    *raw = id->data; /* FQDN, RFC822, KEY_ID, or an address or DN that does not parse */
    return id->len;
}

const char *ike_id_log_text(const struct ike_id *id, char *out, size_t cap)
{
    if (cap < IKE_ID_LOG_MAX) {
        if (cap > 0)
            out[0] = '\0';
        return out;
    }
    if (id->len == 0) {
        snprintf(out, cap, "-");
        return out;
    }
    char plain[512];
    const uint8_t *raw;
    size_t len = id_plain(id, plain, sizeof(plain), &raw);
    const uint8_t *src = raw != NULL ? raw : (const uint8_t *)plain;
    size_t o = 0, chars = 0, i;
    out[o++] = '"';
    for (i = 0; i < len; i++) {
        uint8_t b = src[i];
        char esc[5];
        if (b == '"' || b == '\\')
            snprintf(esc, sizeof(esc), "\\%c", b);
        else if (b >= 0x20 && b < 0x7f)
            snprintf(esc, sizeof(esc), "%c", b);
        else
            snprintf(esc, sizeof(esc), "\\x%02x", b);
        size_t n = strlen(esc);
        if (chars + n > IKE_ID_LOG_CHARS)
            break;
        memcpy(out + o, esc, n);
        o += n;
        chars += n;
    }
    out[o++] = '"';
    if (i < len) {
        memcpy(out + o, "...", 3);
        o += 3;
    }
    out[o] = '\0';
    return out;
}

const char *ike_sa_log_ref(const struct ike_sa *sa, char *out, size_t cap)
{
    snprintf(out, cap, "%.*s[%u] %016llx_%016llx", PEER_NAME_CHARS,
             sa->peer != NULL ? sa->peer->name : "-", sa->log_no, (unsigned long long)sa->spi_i,
             (unsigned long long)sa->spi_r);
    return out;
}

const char *ike_sa_log_tag(const struct ike_sa *sa, const struct ike_child_sa *child, char *out,
                           size_t cap)
{
    char remote[IKE_ADDR_STRLEN], id[IKE_ID_LOG_MAX], spis[32] = "";
    ike_addr_format(&sa->remote, remote, sizeof(remote));
    ike_id_log_text(&sa->remote_id, id, sizeof(id));
    if (child != NULL)
        snprintf(spis, sizeof(spis), " child %08x/%08x", child->spi_in, child->spi_out);
    snprintf(out, cap, "%.*s[%u] %s %016llx_%016llx %s%s", PEER_NAME_CHARS,
             sa->peer != NULL ? sa->peer->name : "-", sa->log_no, remote,
             (unsigned long long)sa->spi_i, (unsigned long long)sa->spi_r, id, spis);
    return out;
}

__attribute__((format(printf, 5, 0))) static void
sa_vlog(struct ike_ctx *ctx, const struct ike_sa *sa, const struct ike_child_sa *child,
        enum ike_log_level level, const char *fmt, va_list ap)
{
    if (ctx->be.log == NULL)
        return;
    char line[LINE_MAX_CHARS];
    ike_sa_log_tag(sa, child, line, sizeof(line));
    size_t n = strlen(line);
    n += (size_t)snprintf(line + n, sizeof(line) - n, ": ");
    vsnprintf(line + n, sizeof(line) - n, fmt, ap);
    ctx->be.log(ctx->be.opaque, level, line);
}

void ike_sa_log(struct ike_ctx *ctx, const struct ike_sa *sa, enum ike_log_level level,
                const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sa_vlog(ctx, sa, NULL, level, fmt, ap);
    va_end(ap);
}

void ike_sa_log_rl(struct ike_ctx *ctx, const struct ike_sa *sa, enum ike_log_level level,
                   const char *fmt, ...)
{
    if (!ike_log_limit_admit(ctx, level, fmt))
        return;
    va_list ap;
    va_start(ap, fmt);
    sa_vlog(ctx, sa, NULL, level, fmt, ap);
    va_end(ap);
}

void ike_child_log(struct ike_ctx *ctx, const struct ike_sa *sa, const struct ike_child_sa *child,
                   enum ike_log_level level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sa_vlog(ctx, sa, child, level, fmt, ap);
    va_end(ap);
}
