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

static socklen_t to_sockaddr(const struct ike_addr *a, struct sockaddr_storage *ss)
{
    memset(ss, 0, sizeof(*ss));
    if (a->family == 6) {
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
        s6->sin6_family = AF_INET6;
        s6->sin6_port = htons(a->port);
        memcpy(&s6->sin6_addr, a->ip, 16);
        return sizeof(*s6);
    }
    struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
    s4->sin_family = AF_INET;
    s4->sin_port = htons(a->port);
    memcpy(&s4->sin_addr, a->ip, 4);
    return sizeof(*s4);
}

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
    b->nradius = 0;
    b->nacct = 0;
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
            socklen_t len = to_sockaddr(&a, &ss);
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
    for (unsigned i = 0; i < b->nradius; i++)
        close(b->radius_fd[i]);
    b->nradius = 0;
    for (unsigned i = 0; i < b->nacct; i++)
        close(b->acct_fd[i]);
    b->nacct = 0;
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
    socklen_t sl = to_sockaddr(remote, &ss);
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

static int connected_socket(const struct ike_addr *to)
{
    struct sockaddr_storage ss;
    socklen_t len = to_sockaddr(to, &ss);
    int fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&ss, len) < 0) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        return -e;
    }
    return fd;
}

int udp_backend_open_radius(struct udp_backend *b, const struct ike_radius_cfg *rc)
{
    for (unsigned i = 0; i < rc->nservers && i < IKE_RADIUS_MAX_SERVERS; i++) {
        int fd = connected_socket(&rc->servers[i].addr);
        if (fd < 0)
            return fd;
        b->radius_fd[b->nradius++] = fd;
        if (!rc->accounting)
            continue;
        struct ike_addr acct = rc->servers[i].addr;
        acct.port = rc->servers[i].acct_port ? rc->servers[i].acct_port : 1813;
        if ((fd = connected_socket(&acct)) < 0)
            return fd;
        b->acct_fd[b->nacct++] = fd;
    }
    return 0;
}

static int udp_radius_send(void *opaque, unsigned server, const uint8_t *buf, size_t len)
{
    struct udp_backend *b = opaque;
    if (server >= b->nradius)
        return -EINVAL;
    /* ECONNREFUSED from an earlier datagram (nothing listens) is a lost datagram too. */
    return send(b->radius_fd[server], buf, len, 0) < 0 ? -errno : 0;
}

static int udp_radius_acct_send(void *opaque, unsigned server, const uint8_t *buf, size_t len)
{
    struct udp_backend *b = opaque;
    if (server >= b->nacct)
        return -EINVAL;
    return send(b->acct_fd[server], buf, len, 0) < 0 ? -errno : 0;
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
                             .radius_send = b->nradius > 0 ? udp_radius_send : NULL,
                             .radius_acct_send = b->nacct > 0 ? udp_radius_acct_send : NULL};
    return be;
}

unsigned udp_backend_poll(struct udp_backend *b, struct ike_ctx *ctx, int timeout_ms)
{
    struct pollfd pfd[UDP_MAX_SOCKETS + 2 * IKE_RADIUS_MAX_SERVERS];
    for (unsigned i = 0; i < b->nsockets; i++)
        pfd[i] = (struct pollfd){.fd = b->fd[i], .events = POLLIN};
    for (unsigned i = 0; i < b->nradius; i++)
        pfd[b->nsockets + i] = (struct pollfd){.fd = b->radius_fd[i], .events = POLLIN};
    unsigned acct0 = b->nsockets + b->nradius;
    for (unsigned i = 0; i < b->nacct; i++)
        pfd[acct0 + i] = (struct pollfd){.fd = b->acct_fd[i], .events = POLLIN};
    if (poll(pfd, acct0 + b->nacct, timeout_ms) <= 0)
        return 0;
    unsigned received = 0;
    for (unsigned i = 0; i < b->nradius + b->nacct; i++) {
        if (!(pfd[b->nsockets + i].revents & (POLLIN | POLLERR)))
            continue;
        bool acct = i >= b->nradius;
        int fd = acct ? b->acct_fd[i - b->nradius] : b->radius_fd[i];
        for (unsigned n = 0; n < 64; n++) {
            ssize_t len = recv(fd, b->rx, sizeof(b->rx), 0);
            if (len < 0 && errno == ECONNREFUSED)
                continue; /* an ICMP port unreachable for an earlier send: nothing to read */
            if (len < 0)
                break;
            if (acct)
                ike_radius_acct_input(ctx, i - b->nradius, b->rx, (size_t)len);
            else
                ike_radius_input(ctx, i, b->rx, (size_t)len);
            received++;
        }
    }
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
