/* SPDX-License-Identifier: BSD-3-Clause */
#include "udp_backend.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <netinet/in.h>
#include <openssl/rand.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static void from_sockaddr(const struct sockaddr_storage *ss, struct ike_addr *a)
{
    memset(a, 0, sizeof(*a));
    if (ss->ss_family == AF_INET6) {
        const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;
        a->family = 6;
        a->port = ntohs(s6->sin6_port);
        memcpy(a->ip, &s6->sin6_addr, 16);
    } else {
        const struct sockaddr_in *s4 = (const struct sockaddr_in *)ss;
        a->family = 4;
        a->port = ntohs(s4->sin_port);
        memcpy(a->ip, &s4->sin_addr, 4);
    }
}

void udp_backend_init(struct udp_backend *b, FILE *log)
{
    b->nsockets = 0;
    mgmt_radius_init(&b->radius);
    b->log_level = IKE_LOG_INFO;
    b->log_children = true;
    b->log_keys = false;
    b->log = log;
}

int udp_backend_open(struct udp_backend *b, const struct ike_addr *listen, unsigned nlisten)
{
    static const uint16_t ports[] = {IKE_PORT, IKE_NATT_PORT};
    b->nsockets = 0;
    if (nlisten > UDP_MAX_LISTEN)
        return -E2BIG;
    for (unsigned i = 0; i < nlisten; i++) {
        for (unsigned p = 0; p < 2; p++) {
            struct ike_addr a = listen[i];
            a.port = ports[p];
            struct sockaddr_storage ss;
            socklen_t len = mgmt_sockaddr_from_ike(&a, &ss);
            int fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
            if (fd < 0 || bind(fd, (struct sockaddr *)&ss, len) < 0) {
                int e = errno;
                if (fd >= 0)
                    close(fd);
                udp_backend_close(b);
                return -e;
            }
            /*
             * Bursts of IKE_SA_INITs must not overflow the default receive
             * buffer (about 200 KiB, and each datagram is charged a few KiB
             * of kernel overhead): a drop costs the peer a retransmission
             * timeout. Best effort: the kernel caps it at net.core.rmem_max.
             */
            int size = UDP_SOCKET_BUFFER;
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
            setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
            b->fd[b->nsockets] = fd;
            b->bound[b->nsockets++] = a;
        }
    }
    return 0;
}

void udp_backend_close(struct udp_backend *b)
{
    for (unsigned i = 0; i < b->nsockets; i++)
        close(b->fd[i]);
    b->nsockets = 0;
    mgmt_radius_close(&b->radius);
}

static int find_socket(const struct udp_backend *b, const struct ike_addr *local)
{
    for (unsigned i = 0; i < b->nsockets; i++) {
        if (b->bound[i].port == local->port && ike_addr_ip_equal(&b->bound[i], local))
            return b->fd[i];
    }
    return -1;
}

static int udp_send(void *opaque, const struct ike_addr *local, const struct ike_addr *remote,
                    const uint8_t *buf, size_t len)
{
    struct udp_backend *b = opaque;
    int fd = find_socket(b, local);
    if (fd < 0)
        return -EADDRNOTAVAIL;
    struct sockaddr_storage ss;
    socklen_t sl = mgmt_sockaddr_from_ike(remote, &ss);
    return sendto(fd, buf, len, 0, (struct sockaddr *)&ss, sl) < 0 ? -errno : 0;
}

static void hex(FILE *f, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%02x", p[i]);
}

static int udp_child_install(void *opaque, const struct ike_child_sa *c)
{
    struct udp_backend *b = opaque;
    /* No dataplane here: the Child SA is only reported. */
    if (!b->log_children)
        return 0;
    fprintf(b->log, "child-sa install spi_in=%08x spi_out=%08x encap=%s", c->spi_in, c->spi_out,
            c->udp_encap ? "udp" : "none");
    if (b->log_keys) {
        fprintf(b->log, " encr_in=");
        hex(b->log, c->encr_in, c->encr_key_len);
        fprintf(b->log, " encr_out=");
        hex(b->log, c->encr_out, c->encr_key_len);
        if (c->integ_key_len > 0) {
            fprintf(b->log, " integ_in=");
            hex(b->log, c->integ_in, c->integ_key_len);
            fprintf(b->log, " integ_out=");
            hex(b->log, c->integ_out, c->integ_key_len);
        }
    }
    fprintf(b->log, "\n");
    fflush(b->log);
    return 0;
}

static int udp_child_delete(void *opaque, const struct ike_child_sa *c)
{
    struct udp_backend *b = opaque;
    if (!b->log_children)
        return 0;
    fprintf(b->log, "child-sa delete spi_in=%08x spi_out=%08x\n", c->spi_in, c->spi_out);
    fflush(b->log);
    return 0;
}

/* No dataplane to move either: the new outer addresses are reported (MOBIKE, NAT rebinding). */
static int udp_child_update(void *opaque, const struct ike_child_sa *c)
{
    struct udp_backend *b = opaque;
    if (!b->log_children)
        return 0;
    char local[IKE_ADDR_STRLEN], remote[IKE_ADDR_STRLEN];
    ike_addr_format(&c->local, local, sizeof(local));
    ike_addr_format(&c->remote, remote, sizeof(remote));
    fprintf(b->log, "child-sa update spi_in=%08x spi_out=%08x local=%s remote=%s encap=%s\n",
            c->spi_in, c->spi_out, local, remote, c->udp_encap ? "udp" : "none");
    fflush(b->log);
    return 0;
}

static uint64_t udp_now(void *opaque)
{
    (void)opaque;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void udp_random(void *opaque, uint8_t *buf, size_t len)
{
    (void)opaque;
    if (RAND_bytes(buf, (int)len) != 1)
        abort(); /* no randomness: no safe way to go on */
}

static void udp_log(void *opaque, enum ike_log_level level, const char *msg)
{
    struct udp_backend *b = opaque;
    static const char *const names[] = {"ERR", "WARN", "INFO", "DEBUG"};
    if (level > b->log_level)
        return;
    fprintf(b->log, "%s %s\n", names[level], msg);
    fflush(b->log);
}

int udp_backend_open_radius(struct udp_backend *b, const struct ike_radius_cfg *rc)
{
    return mgmt_radius_open(&b->radius, rc);
}

static int udp_radius_send(void *opaque, unsigned server, const uint8_t *buf, size_t len)
{
    struct udp_backend *b = opaque;
    return mgmt_radius_send(&b->radius, server, buf, len);
}

static int udp_radius_acct_send(void *opaque, unsigned server, const uint8_t *buf, size_t len)
{
    struct udp_backend *b = opaque;
    return mgmt_radius_acct_send(&b->radius, server, buf, len);
}

struct ike_backend udp_backend_ops(struct udp_backend *b)
{
    struct ike_backend be = {.opaque = b,
                             .send = udp_send,
                             .child_install = udp_child_install,
                             .child_delete = udp_child_delete,
                             .child_update = udp_child_update,
                             .now_ns = udp_now,
                             .random = udp_random,
                             .log = udp_log,
                             .radius_send = b->radius.nauth > 0 ? udp_radius_send : NULL,
                             .radius_acct_send = b->radius.nacct > 0 ? udp_radius_acct_send : NULL};
    return be;
}

unsigned udp_backend_poll(struct udp_backend *b, struct ike_ctx *ctx, int timeout_ms)
{
    struct pollfd pfd[UDP_MAX_SOCKETS + 2 * IKE_RADIUS_MAX_SERVERS];
    for (unsigned i = 0; i < b->nsockets; i++)
        pfd[i] = (struct pollfd){.fd = b->fd[i], .events = POLLIN};
    unsigned nradius = mgmt_radius_nsockets(&b->radius);
    for (unsigned i = 0; i < nradius; i++)
        pfd[b->nsockets + i] =
            (struct pollfd){.fd = mgmt_radius_fd(&b->radius, i), .events = POLLIN};
    if (poll(pfd, b->nsockets + nradius, timeout_ms) <= 0)
        return 0;
    unsigned received = 0;
    for (unsigned i = 0; i < nradius; i++)
        if (pfd[b->nsockets + i].revents & (POLLIN | POLLERR))
            received += mgmt_radius_read(&b->radius, ctx, i, 64);
    for (unsigned i = 0; i < b->nsockets; i++) {
        if (!(pfd[i].revents & POLLIN))
            continue;
        /* Bounded: at most 64 datagrams per socket per wake-up, then timers run. */
        for (unsigned n = 0; n < 64; n++) {
            struct sockaddr_storage ss;
            socklen_t sl = sizeof(ss);
            ssize_t len = recvfrom(b->fd[i], b->rx, sizeof(b->rx), 0, (struct sockaddr *)&ss, &sl);
            if (len < 0)
                break;
            struct ike_addr remote;
            from_sockaddr(&ss, &remote);
            ike_input(ctx, &b->bound[i], &remote, b->rx, (size_t)len);
            received++;
        }
    }
    return received;
}
