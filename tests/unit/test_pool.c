/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The virtual-IP pools (lib/ike/pool): exhaustion, an identity's own lease
 * online and held, the hold time (never given away within it, taken over
 * after it only when nothing else is left, oldest first), requested
 * addresses, the operator's forget, IPv4 and IPv6 ranges with their carries,
 * the size cap, invalid configurations, paging through the leases, every
 * allocation failure (malloc, calloc and realloc are wrapped here: the pool
 * must answer -ENOMEM and stay as it was), and a randomized run against a
 * simple reference model.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ike_consts.h"
#include "ike_pool.h"
#include "unit_util.h"

#define S 1000000000ull /* ns per second */

/* Allocation failures: the next `fail_in` allocations succeed, the one after fails. */
static long fail_in = -1;

void *__real_malloc(size_t size);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *ptr, size_t size);
void *__wrap_malloc(size_t size);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *ptr, size_t size);

static bool should_fail(void)
{
    if (fail_in < 0)
        return false;
    return fail_in-- == 0;
}

void *__wrap_malloc(size_t size)
{
    return should_fail() ? NULL : __real_malloc(size);
}

void *__wrap_calloc(size_t n, size_t size)
{
    return should_fail() ? NULL : __real_calloc(n, size);
}

void *__wrap_realloc(void *ptr, size_t size)
{
    return should_fail() ? NULL : __real_realloc(ptr, size);
}

static struct ike_addr addr(const char *text)
{
    struct ike_addr a;
    assert_int_equal(ike_addr_parse(&a, text, 0), 0);
    return a;
}

static struct ike_id id(const char *name)
{
    struct ike_id i;
    memset(&i, 0, sizeof(i));
    i.type = IKE_ID_RFC822_ADDR;
    i.len = (uint8_t)strlen(name);
    memcpy(i.data, name, i.len);
    return i;
}

static struct ike_id id_n(unsigned n)
{
    char name[64];
    snprintf(name, sizeof(name), "user%u@example.com", n);
    return id(name);
}

static struct ike_pool_cfg cfg_of(const char *first, const char *last, unsigned hold_s)
{
    struct ike_pool_cfg c;
    memset(&c, 0, sizeof(c));
    snprintf(c.name, sizeof(c.name), "test");
    c.first = addr(first);
    c.last = addr(last);
    c.prefix_len = c.first.family == 6 ? 64 : 24;
    c.hold_s = hold_s;
    return c;
}

static struct ike_pool *pool(const char *first, const char *last, unsigned hold_s)
{
    struct ike_pool_cfg c = cfg_of(first, last, hold_s);
    struct ike_pool *p = ike_pool_new(&c, 0x0123456789abcdefull);
    assert_non_null(p);
    return p;
}

/* Acquires for `who` and checks the address is `want`. */
static void acquire_is(struct ike_pool *p, const char *who, const char *req, uint64_t now,
                       const char *want)
{
    struct ike_id i = id(who);
    struct ike_addr r, out, w = addr(want);
    if (req != NULL)
        r = addr(req);
    assert_int_equal(ike_pool_acquire(p, &i, req ? &r : NULL, now, &out), 0);
    if (!ike_addr_equal(&out, &w)) {
        char got[IKE_ADDR_STRLEN];
        ike_addr_format(&out, got, sizeof(got));
        fail_msg("%s got %s, not %s", who, got, want);
    }
}

static int acquire_rc(struct ike_pool *p, const char *who, uint64_t now)
{
    struct ike_id i = id(who);
    struct ike_addr out;
    return ike_pool_acquire(p, &i, NULL, now, &out);
}

static int release(struct ike_pool *p, const char *a, uint64_t now)
{
    struct ike_addr x = addr(a);
    return ike_pool_release(p, &x, now);
}

static int forget(struct ike_pool *p, const char *a)
{
    struct ike_addr x = addr(a);
    return ike_pool_forget(p, &x);
}

static void stats_are(struct ike_pool *p, uint64_t size, uint64_t online, uint64_t held,
                      uint64_t exhausted)
{
    struct ike_pool_stats s;
    ike_pool_stats(p, &s);
    assert_int_equal(s.size, size);
    assert_int_equal(s.online, online);
    assert_int_equal(s.held, held);
    assert_int_equal(s.free, size - online - held);
    assert_int_equal(s.exhausted, exhausted);
}

static void test_invalid_configs(void **state)
{
    (void)state;
    struct ike_pool_cfg c = cfg_of("10.0.0.1", "10.0.0.9", 60);
    struct ike_pool *p = ike_pool_new(&c, 1);
    assert_non_null(p); /* the base is valid: each change below is what makes it fail */
    ike_pool_free(p);

    c = cfg_of("10.0.0.1", "2001:db8::1", 60);
    assert_null(ike_pool_new(&c, 1));
    c = cfg_of("10.0.0.9", "10.0.0.1", 60);
    assert_null(ike_pool_new(&c, 1));
    c = cfg_of("2001:db8::2", "2001:db8::1", 60);
    assert_null(ike_pool_new(&c, 1));
    c = cfg_of("10.0.0.1", "10.0.0.9", 60);
    c.name[0] = '\0';
    assert_null(ike_pool_new(&c, 1));
    c = cfg_of("10.0.0.1", "10.0.0.9", 60);
    memset(c.name, 'x', sizeof(c.name));
    assert_null(ike_pool_new(&c, 1));
    c = cfg_of("10.0.0.1", "10.0.0.9", 60);
    c.prefix_len = 33;
    assert_null(ike_pool_new(&c, 1));
    c = cfg_of("10.0.0.1", "10.0.0.9", 60);
    c.ndns = IKE_POOL_MAX_DNS + 1;
    assert_null(ike_pool_new(&c, 1));
    c = cfg_of("10.0.0.1", "10.0.0.9", 60);
    c.ndns = 1;
    assert_null(ike_pool_new(&c, 1)); /* dns[0] of family 0 */
    c.dns[0] = addr("2001:db8::53");
    p = ike_pool_new(&c, 1);
    assert_non_null(p);
    assert_int_equal(ike_pool_cfg(p)->ndns, 1);
    assert_string_equal(ike_pool_cfg(p)->name, "test");
    ike_pool_free(p);
    c = cfg_of("10.0.0.1", "10.0.0.9", 60);
    c.first.family = 0;
    c.last.family = 0;
    assert_null(ike_pool_new(&c, 1));
    c = cfg_of("2001:db8::1", "2001:db8::9", 60);
    c.prefix_len = 129;
    assert_null(ike_pool_new(&c, 1));
}

static void test_exhaustion(void **state)
{
    (void)state;
    struct ike_pool *p = pool("10.0.0.1", "10.0.0.4", 60);
    stats_are(p, 4, 0, 0, 0);
    acquire_is(p, "a", NULL, 0, "10.0.0.1");
    acquire_is(p, "b", NULL, 0, "10.0.0.2");
    acquire_is(p, "c", NULL, 0, "10.0.0.3");
    acquire_is(p, "d", NULL, 0, "10.0.0.4");
    assert_int_equal(acquire_rc(p, "e", 0), -ENOSPC);
    assert_int_equal(acquire_rc(p, "f", 1000 * S), -ENOSPC);
    stats_are(p, 4, 4, 0, 2);
    /* The owners still get theirs. */
    acquire_is(p, "c", NULL, 0, "10.0.0.3");
    stats_are(p, 4, 4, 0, 2);
    ike_pool_free(p);
}

static void test_same_identity_online(void **state)
{
    (void)state;
    struct ike_pool *p = pool("10.0.0.1", "10.0.0.9", 60);
    acquire_is(p, "alice", NULL, 0, "10.0.0.1");
    acquire_is(p, "alice", "10.0.0.5", 0, "10.0.0.1"); /* her own lease beats her request */
    acquire_is(p, "alice", NULL, 0, "10.0.0.1");
    struct ike_pool_lease l;
    struct ike_addr a = addr("10.0.0.1");
    assert_true(ike_pool_lookup(p, &a, &l));
    assert_int_equal(l.refs, 3);
    struct ike_id alice = id("alice");
    assert_true(ike_id_equal(&l.owner, &alice));
    stats_are(p, 9, 1, 0, 0);
    /* The same bytes with another type are another identity. */
    struct ike_id fqdn = alice;
    fqdn.type = IKE_ID_FQDN;
    struct ike_addr out;
    assert_int_equal(ike_pool_acquire(p, &fqdn, NULL, 0, &out), 0);
    assert_false(ike_addr_equal(&out, &a));
    assert_int_equal(out.port, 0);

    assert_int_equal(release(p, "10.0.0.1", 5 * S), 0);
    assert_int_equal(release(p, "10.0.0.1", 6 * S), 0);
    assert_true(ike_pool_lookup(p, &a, &l));
    assert_int_equal(l.refs, 1);
    stats_are(p, 9, 2, 0, 0);
    assert_int_equal(release(p, "10.0.0.1", 7 * S), 0);
    assert_true(ike_pool_lookup(p, &a, &l));
    assert_int_equal(l.refs, 0);
    assert_int_equal(l.released_ns, 7 * S);
    stats_are(p, 9, 1, 1, 0);
    assert_int_equal(release(p, "10.0.0.1", 8 * S), -ENOENT); /* held: no reference left */
    ike_pool_free(p);
}

static void test_held_comes_back(void **state)
{
    (void)state;
    struct ike_pool *p = pool("10.0.0.1", "10.0.0.9", 60);
    acquire_is(p, "alice", NULL, 0, "10.0.0.1");
    acquire_is(p, "bob", NULL, 0, "10.0.0.2");
    assert_int_equal(release(p, "10.0.0.1", 10 * S), 0);
    acquire_is(p, "carol", NULL, 11 * S, "10.0.0.3");
    /* Long after her hold: nobody needed her address, so it is still hers. */
    acquire_is(p, "alice", "10.0.0.7", 5000 * S, "10.0.0.1");
    stats_are(p, 9, 3, 0, 0);
    struct ike_pool_lease l;
    struct ike_addr a = addr("10.0.0.1");
    assert_true(ike_pool_lookup(p, &a, &l));
    assert_int_equal(l.refs, 1);
    assert_int_equal(l.released_ns, 0);
    ike_pool_free(p);
}

static void test_hold_time(void **state)
{
    (void)state;
    struct ike_pool *p = pool("10.0.0.1", "10.0.0.3", 60);
    acquire_is(p, "a", NULL, 0, "10.0.0.1");
    acquire_is(p, "b", NULL, 0, "10.0.0.2");
    assert_int_equal(release(p, "10.0.0.1", 100 * S), 0);
    /* Expired held lease, but a never-used address is left: that one goes. */
    acquire_is(p, "c", NULL, 1000 * S, "10.0.0.3");
    assert_int_equal(release(p, "10.0.0.2", 110 * S), 0);
    stats_are(p, 3, 1, 2, 0);
    /* Full but for held leases within their hold: never given away. */
    assert_int_equal(acquire_rc(p, "d", 100 * S), -ENOSPC);
    assert_int_equal(acquire_rc(p, "d", 159 * S), -ENOSPC);
    assert_int_equal(acquire_rc(p, "d", 160 * S - 1), -ENOSPC);
    stats_are(p, 3, 1, 2, 3);
    /* a's hold is over (b's is not): d takes a's, the oldest. */
    acquire_is(p, "d", NULL, 160 * S, "10.0.0.1");
    assert_int_equal(acquire_rc(p, "e", 169 * S), -ENOSPC);
    acquire_is(p, "e", NULL, 170 * S, "10.0.0.2");
    stats_are(p, 3, 3, 0, 4);
    /* a lost it: a is a stranger now, and the pool is full. */
    assert_int_equal(acquire_rc(p, "a", 10000 * S), -ENOSPC);
    struct ike_pool_lease l;
    struct ike_addr x = addr("10.0.0.1");
    assert_true(ike_pool_lookup(p, &x, &l));
    struct ike_id d = id("d");
    assert_true(ike_id_equal(&l.owner, &d));
    ike_pool_free(p);
}

/* Takeover order is release order, whichever address is lower. */
static void test_oldest_held_first(void **state)
{
    (void)state;
    struct ike_pool *p = pool("10.0.0.1", "10.0.0.2", 0);
    acquire_is(p, "a", NULL, 0, "10.0.0.1");
    acquire_is(p, "b", NULL, 0, "10.0.0.2");
    assert_int_equal(release(p, "10.0.0.2", 1 * S), 0);
    assert_int_equal(release(p, "10.0.0.1", 2 * S), 0);
    acquire_is(p, "c", NULL, 3 * S, "10.0.0.2");
    acquire_is(p, "d", NULL, 3 * S, "10.0.0.1");
    ike_pool_free(p);
}

static void test_requested(void **state)
{
    (void)state;
    struct ike_pool *p = pool("10.0.0.1", "10.0.0.9", 60);
    acquire_is(p, "a", "10.0.0.5", 0, "10.0.0.5");        /* inside and nobody's */
    acquire_is(p, "b", "10.0.0.5", 0, "10.0.0.1");        /* a's */
    acquire_is(p, "c", "10.0.0.10", 0, "10.0.0.2");       /* outside */
    acquire_is(p, "d", "2001:db8::5", 0, "10.0.0.3");     /* the other family */
    acquire_is(p, "e", "10.0.0.0", 0, "10.0.0.4");        /* just below */
    acquire_is(p, "f", NULL, 0, "10.0.0.6");              /* skips a's request */
    assert_int_equal(release(p, "10.0.0.6", 1 * S), 0);   /* f held */
    acquire_is(p, "g", "10.0.0.6", 2 * S, "10.0.0.7");    /* held is somebody's */
    acquire_is(p, "h", "10.0.0.6", 2000 * S, "10.0.0.8"); /* even after its hold */
    acquire_is(p, "i", "10.0.0.9", 0, "10.0.0.9");        /* the last one */
    struct ike_addr r = addr("10.0.0.6"), out;
    struct ike_id j = id("j");
    /* Full: the expired held lease goes, whatever was requested. */
    assert_int_equal(ike_pool_acquire(p, &j, &r, 2000 * S, &out), 0);
    assert_true(ike_addr_equal(&out, &r));
    stats_are(p, 9, 9, 0, 0);
    ike_pool_free(p);
}

static void test_forget(void **state)
{
    (void)state;
    struct ike_pool *p = pool("10.0.0.1", "10.0.0.9", 3600);
    acquire_is(p, "a", NULL, 0, "10.0.0.1");
    acquire_is(p, "b", NULL, 0, "10.0.0.2");
    acquire_is(p, "c", "10.0.0.8", 0, "10.0.0.8");
    assert_int_equal(forget(p, "10.0.0.1"), -EBUSY);
    assert_int_equal(forget(p, "10.0.0.3"), -ENOENT);  /* never leased */
    assert_int_equal(forget(p, "10.0.0.99"), -ENOENT); /* outside */
    assert_int_equal(release(p, "10.0.0.1", S), 0);
    assert_int_equal(forget(p, "10.0.0.1"), 0);
    assert_int_equal(forget(p, "10.0.0.1"), -ENOENT);
    struct ike_pool_lease l;
    struct ike_addr x = addr("10.0.0.1");
    assert_false(ike_pool_lookup(p, &x, &l));
    assert_int_equal(release(p, "10.0.0.1", S), -ENOENT);
    stats_are(p, 9, 2, 0, 0);
    /* Forgotten addresses go before never-used ones; a is a newcomer. */
    acquire_is(p, "d", NULL, 2 * S, "10.0.0.1");
    acquire_is(p, "a", NULL, 2 * S, "10.0.0.3");
    /* A forgotten request above the never-used mark: handed out when the mark gets there. */
    assert_int_equal(release(p, "10.0.0.8", S), 0);
    assert_int_equal(forget(p, "10.0.0.8"), 0);
    acquire_is(p, "e", NULL, 2 * S, "10.0.0.4");
    acquire_is(p, "f", NULL, 2 * S, "10.0.0.5");
    acquire_is(p, "g", NULL, 2 * S, "10.0.0.6");
    acquire_is(p, "h", NULL, 2 * S, "10.0.0.7");
    acquire_is(p, "i", NULL, 2 * S, "10.0.0.8");
    acquire_is(p, "k", NULL, 2 * S, "10.0.0.9");
    assert_int_equal(acquire_rc(p, "l", 2 * S), -ENOSPC);
    stats_are(p, 9, 9, 0, 1);
    /* A forgotten address may also be requested, even when it is not the next free one. */
    assert_int_equal(release(p, "10.0.0.4", 3 * S), 0);
    assert_int_equal(forget(p, "10.0.0.4"), 0);
    assert_int_equal(release(p, "10.0.0.5", 3 * S), 0);
    assert_int_equal(forget(p, "10.0.0.5"), 0);
    acquire_is(p, "m", "10.0.0.5", 3 * S, "10.0.0.5");
    acquire_is(p, "n", NULL, 3 * S, "10.0.0.4");
    ike_pool_free(p);
}

static void test_release_unknown(void **state)
{
    (void)state;
    struct ike_pool *p = pool("10.0.0.1", "10.0.0.9", 60);
    assert_int_equal(release(p, "10.0.0.1", 0), -ENOENT);
    acquire_is(p, "a", NULL, 0, "10.0.0.1");
    assert_int_equal(release(p, "10.0.0.2", 0), -ENOENT);
    assert_int_equal(release(p, "10.0.1.1", 0), -ENOENT);
    assert_int_equal(release(p, "::1", 0), -ENOENT);
    stats_are(p, 9, 1, 0, 0);
    assert_int_equal(release(p, "10.0.0.1", 0), 0);
    ike_pool_free(p);
}

static void test_ipv4_octet_boundary(void **state)
{
    (void)state;
    struct ike_pool *p = pool("10.0.0.254", "10.0.1.1", 60);
    stats_are(p, 4, 0, 0, 0);
    acquire_is(p, "a", NULL, 0, "10.0.0.254");
    acquire_is(p, "b", NULL, 0, "10.0.0.255");
    acquire_is(p, "c", NULL, 0, "10.0.1.0");
    acquire_is(p, "d", NULL, 0, "10.0.1.1");
    assert_int_equal(acquire_rc(p, "e", 0), -ENOSPC);
    struct ike_addr in = addr("10.0.1.1"), below = addr("10.0.0.253"), above = addr("10.0.1.2");
    assert_true(ike_pool_contains(p, &in));
    assert_false(ike_pool_contains(p, &below));
    assert_false(ike_pool_contains(p, &above));
    ike_pool_free(p);

    /* Every IPv4 address: cut to IKE_POOL_MAX_SIZE, the last one outside. */
    p = pool("0.0.0.0", "255.255.255.255", 60);
    stats_are(p, IKE_POOL_MAX_SIZE, 0, 0, 0);
    acquire_is(p, "a", "255.255.255.254", 0, "255.255.255.254");
    acquire_is(p, "b", "255.255.255.255", 0, "0.0.0.0");
    ike_pool_free(p);
}

static void test_size_one(void **state)
{
    (void)state;
    struct ike_pool *p = pool("192.0.2.7", "192.0.2.7", 10);
    stats_are(p, 1, 0, 0, 0);
    acquire_is(p, "a", NULL, 0, "192.0.2.7");
    assert_int_equal(acquire_rc(p, "b", 0), -ENOSPC);
    assert_int_equal(release(p, "192.0.2.7", 0), 0);
    assert_int_equal(acquire_rc(p, "b", 9 * S), -ENOSPC);
    acquire_is(p, "b", NULL, 10 * S, "192.0.2.7");
    stats_are(p, 1, 1, 0, 2);
    ike_pool_free(p);
}

static void test_ipv6_carry(void **state)
{
    (void)state;
    struct ike_pool *p = pool("2001:db8::fe", "2001:db8::1:1", 60);
    stats_are(p, 0xff04, 0, 0, 0);
    acquire_is(p, "a", NULL, 0, "2001:db8::fe");
    acquire_is(p, "b", NULL, 0, "2001:db8::ff");
    acquire_is(p, "c", NULL, 0, "2001:db8::100");
    acquire_is(p, "d", "2001:db8::ffff", 0, "2001:db8::ffff");
    acquire_is(p, "e", "2001:db8::1:0", 0, "2001:db8::1:0");
    acquire_is(p, "f", "2001:db8::1:1", 0, "2001:db8::1:1");
    acquire_is(p, "g", "2001:db8::1:2", 0, "2001:db8::101");
    ike_pool_free(p);

    /* Across the two 64-bit halves. */
    p = pool("2001:db8:0:0:ffff:ffff:ffff:ffff", "2001:db8:0:1::1", 60);
    stats_are(p, 3, 0, 0, 0);
    acquire_is(p, "a", NULL, 0, "2001:db8:0:0:ffff:ffff:ffff:ffff");
    acquire_is(p, "b", NULL, 0, "2001:db8:0:1::");
    acquire_is(p, "c", NULL, 0, "2001:db8:0:1::1");
    assert_int_equal(acquire_rc(p, "d", 0), -ENOSPC);
    ike_pool_free(p);
}

static void test_ipv6_64(void **state)
{
    (void)state;
    struct ike_pool *p = pool("2001:db8:1:2::", "2001:db8:1:2:ffff:ffff:ffff:ffff", 60);
    struct ike_pool_stats s;
    ike_pool_stats(p, &s);
    assert_int_equal(s.size, IKE_POOL_MAX_SIZE);
    assert_true(s.bytes < 4096); /* nothing per address */
    uint64_t empty = s.bytes;
    acquire_is(p, "a", NULL, 0, "2001:db8:1:2::");
    acquire_is(p, "b", NULL, 0, "2001:db8:1:2::1");
    /* The last address of the cut range; the next one is outside. */
    acquire_is(p, "c", "2001:db8:1:2::fffe", 0, "2001:db8:1:2::fffe");
    acquire_is(p, "d", "2001:db8:1:2::fffe:fffe", 0, "2001:db8:1:2::fffe:fffe");
    acquire_is(p, "e", "2001:db8:1:2::ffff:fffe", 0, "2001:db8:1:2::ffff:fffe");
    acquire_is(p, "f", "2001:db8:1:2::ffff:ffff", 0, "2001:db8:1:2::2");
    acquire_is(p, "g", "2001:db8:1:2::1:0:0", 0, "2001:db8:1:2::3");
    struct ike_addr out = addr("2001:db8:1:2::1:0:0");
    assert_false(ike_pool_contains(p, &out));
    out = addr("2001:db8:1:3::");
    assert_false(ike_pool_contains(p, &out));
    out = addr("2001:db8:1:1:ffff:ffff:ffff:ffff");
    assert_false(ike_pool_contains(p, &out));
    ike_pool_stats(p, &s);
    assert_int_equal(s.online, 7);
    assert_true(s.bytes > empty);
    assert_true(s.bytes < empty + 7 * 200);
    ike_pool_free(p);
}

/* Pages of every size through leases online, held and forgotten: each lease exactly once. */
static void test_list_paging(void **state)
{
    (void)state;
    enum { N = 1000, SIZE = 2000 };
    struct ike_pool *p = pool("10.1.0.0", "10.1.7.207", 30);
    unsigned forgotten = 0;
    for (unsigned i = 0; i < N; i++) {
        struct ike_id who = id_n(i);
        struct ike_addr out;
        assert_int_equal(ike_pool_acquire(p, &who, NULL, 0, &out), 0);
        if (i % 3 == 0)
            assert_int_equal(ike_pool_release(p, &out, i), 0);
        if (i % 9 == 0) {
            assert_int_equal(ike_pool_forget(p, &out), 0);
            forgotten++;
        }
    }
    struct ike_pool_stats s;
    ike_pool_stats(p, &s);
    assert_int_equal(s.size, SIZE);
    assert_int_equal(s.online + s.held, N - forgotten);
    static struct ike_pool_lease page[64];
    for (size_t per = 1; per <= 64; per = per * 2 + 1) {
        static uint8_t seen[SIZE];
        memset(seen, 0, sizeof(seen));
        size_t total = 0, n;
        while ((n = ike_pool_list(p, total, page, per)) > 0) {
            assert_true(n <= per);
            for (size_t k = 0; k < n; k++) {
                uint8_t *ip = page[k].addr.ip;
                unsigned off = (unsigned)((ip[2] << 8 | ip[3]) - 0);
                assert_int_equal(ip[0], 10);
                assert_int_equal(ip[1], 1);
                assert_true(off < SIZE);
                assert_int_equal(seen[off], 0);
                seen[off] = 1;
                struct ike_pool_lease l;
                assert_true(ike_pool_lookup(p, &page[k].addr, &l));
                assert_true(ike_id_equal(&l.owner, &page[k].owner));
                assert_int_equal(l.refs, page[k].refs);
            }
            total += n;
        }
        assert_int_equal(total, s.online + s.held);
    }
    assert_int_equal(ike_pool_list(p, N, page, 64), 0);
    assert_int_equal(ike_pool_list(p, 0, page, 0), 0);
    ike_pool_free(p);
}

/*
 * Each allocation an acquire, forget or new may make fails in turn: the
 * call says -ENOMEM (NULL), the pool is as it was, and it works afterwards.
 */
static void test_allocation_failures(void **state)
{
    (void)state;
    struct ike_pool_cfg c = cfg_of("10.2.0.0", "10.2.255.255", 60);
    for (long k = 0;; k++) {
        fail_in = k;
        struct ike_pool *p = ike_pool_new(&c, 7);
        bool failed = fail_in < 0;
        fail_in = -1;
        if (p != NULL) {
            assert_false(failed);
            ike_pool_free(p);
            break;
        }
        assert_true(failed);
        assert_true(k < 10);
    }

    struct ike_pool *p = ike_pool_new(&c, 7);
    assert_non_null(p);
    unsigned failures = 0;
    /* 100 leases cross several doublings of the tables and the lease list. */
    for (unsigned i = 0; i < 100; i++) {
        struct ike_id who = id_n(i);
        struct ike_addr out;
        for (long k = 0;; k++) {
            struct ike_pool_stats before, after;
            ike_pool_stats(p, &before);
            fail_in = k;
            int rc = ike_pool_acquire(p, &who, NULL, 0, &out);
            fail_in = -1;
            if (rc == 0)
                break;
            assert_int_equal(rc, -ENOMEM);
            failures++;
            ike_pool_stats(p, &after);
            assert_int_equal(after.online, before.online);
            assert_int_equal(after.held, before.held);
            struct ike_addr next = {.family = 4, .ip = {10, 2, 0, (uint8_t)i}};
            struct ike_pool_lease l;
            assert_false(ike_pool_lookup(p, &next, &l));
        }
        assert_int_equal(out.ip[3], i);
        if (i % 2 == 0) {
            assert_int_equal(ike_pool_release(p, &out, 0), 0);
            fail_in = 0; /* forget and release allocate nothing */
            assert_int_equal(ike_pool_forget(p, &out), 0);
            assert_int_equal(fail_in, 0);
            fail_in = -1;
            assert_int_equal(ike_pool_acquire(p, &who, NULL, 0, &out), 0);
        }
    }
    assert_true(failures >= 100); /* at least the record of each */
    struct ike_pool_stats s;
    ike_pool_stats(p, &s);
    assert_int_equal(s.online, 100);
    static struct ike_pool_lease all[128];
    assert_int_equal(ike_pool_list(p, 0, all, 128), 100);
    ike_pool_free(p);
}

/*
 * The reference model: per offset its owner (-1: nobody) and references, per
 * identity its offset, and the order of release. Each acquire is checked
 * against the rules (own lease; requested if nobody's; any address nobody
 * has; the oldest held lease past its hold; -ENOSPC), then both go on.
 */
struct model {
    unsigned size, nids;
    int *owner;        /* per offset */
    unsigned *refs;    /* per offset */
    uint64_t *rel_ns;  /* per offset, held */
    uint64_t *rel_seq; /* per offset, held: release order */
    int *lease;        /* per identity: offset or -1 */
    uint64_t seq, online, held, exhausted;
};

static unsigned next_rand(uint64_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    return (unsigned)(*x >> 16);
}

static unsigned offset_of(const struct ike_pool *p, const struct ike_addr *a)
{
    const struct ike_addr *first = &ike_pool_cfg(p)->first;
    unsigned n = ike_addr_ip_len(a);
    /* The test ranges are small: the offset is in the last 4 bytes. */
    uint32_t x = 0, f = 0;
    for (unsigned i = n - 4; i < n; i++) {
        x = x << 8 | a->ip[i];
        f = f << 8 | first->ip[i];
    }
    return x - f;
}

static struct ike_addr addr_at(const struct ike_pool *p, unsigned off)
{
    struct ike_addr a = ike_pool_cfg(p)->first;
    unsigned n = ike_addr_ip_len(&a);
    uint32_t x = 0;
    for (unsigned i = n - 4; i < n; i++)
        x = x << 8 | a.ip[i];
    x += off;
    for (unsigned i = 0; i < 4; i++)
        a.ip[n - 4 + i] = (uint8_t)(x >> (24 - 8 * i));
    return a;
}

static void model_check_stats(const struct ike_pool *p, const struct model *m)
{
    struct ike_pool_stats s;
    ike_pool_stats(p, &s);
    assert_int_equal(s.size, m->size);
    assert_int_equal(s.online, m->online);
    assert_int_equal(s.held, m->held);
    assert_int_equal(s.free, m->size - m->online - m->held);
    assert_int_equal(s.exhausted, m->exhausted);
}

static void model_acquire(struct ike_pool *p, struct model *m, unsigned who, int req, uint64_t now,
                          uint64_t hold_ns)
{
    struct ike_id i = id_n(who);
    struct ike_addr r, out;
    if (req >= 0)
        r = addr_at(p, (unsigned)req);
    int rc = ike_pool_acquire(p, &i, req >= 0 ? &r : NULL, now, &out);

    int want = m->lease[who];
    bool any_free = false;
    int oldest = -1;
    for (unsigned o = 0; o < m->size; o++) {
        if (m->owner[o] < 0)
            any_free = true;
        else if (m->refs[o] == 0 && (oldest < 0 || m->rel_seq[o] < m->rel_seq[oldest]))
            oldest = (int)o;
    }
    if (want < 0 && req >= 0 && req < (int)m->size && m->owner[req] < 0)
        want = req;
    if (want < 0 && !any_free) {
        if (oldest >= 0 && now - m->rel_ns[oldest] >= hold_ns) {
            want = oldest;
        } else {
            assert_int_equal(rc, -ENOSPC);
            m->exhausted++;
            return;
        }
    }
    assert_int_equal(rc, 0);
    assert_int_equal(out.port, 0);
    unsigned got = offset_of(p, &out);
    assert_true(got < m->size);
    if (want >= 0)
        assert_int_equal(got, want);
    else
        assert_int_equal(m->owner[got], -1); /* any address nobody has */

    if (m->owner[got] >= 0 && m->owner[got] != (int)who) {
        m->lease[m->owner[got]] = -1; /* taken over */
        m->held--;
        m->refs[got] = 0;
    }
    if (m->owner[got] < 0 || m->owner[got] != (int)who) {
        m->owner[got] = (int)who;
        m->lease[who] = (int)got;
        m->online++;
    } else if (m->refs[got] == 0) {
        m->held--;
        m->online++;
    }
    m->refs[got]++;
}

static void model_run(const char *first, const char *last, unsigned nids, unsigned ops,
                      uint64_t seed)
{
    const unsigned hold_s = 5;
    struct ike_pool *p = pool(first, last, hold_s);
    struct model m = {0};
    struct ike_pool_stats s;
    ike_pool_stats(p, &s);
    m.size = (unsigned)s.size;
    m.nids = nids;
    m.owner = malloc(m.size * sizeof(*m.owner));
    m.refs = calloc(m.size, sizeof(*m.refs));
    m.rel_ns = calloc(m.size, sizeof(*m.rel_ns));
    m.rel_seq = calloc(m.size, sizeof(*m.rel_seq));
    m.lease = malloc(nids * sizeof(*m.lease));
    struct ike_pool_lease *page = malloc(m.size * sizeof(*page));
    assert_true(m.owner && m.refs && m.rel_ns && m.rel_seq && m.lease && page);
    for (unsigned o = 0; o < m.size; o++)
        m.owner[o] = -1;
    for (unsigned i = 0; i < nids; i++)
        m.lease[i] = -1;

    uint64_t x = seed, now = 1000 * S;
    unsigned counts[4] = {0};
    for (unsigned op = 0; op < ops; op++) {
        unsigned kind = next_rand(&x) % 10;
        /* Addresses a little outside the range too. */
        unsigned off = next_rand(&x) % (m.size + 2);
        struct ike_addr a = addr_at(p, off);
        if (kind < 5) {
            int req = next_rand(&x) % 3 == 0 ? (int)off : -1;
            model_acquire(p, &m, next_rand(&x) % nids, req, now, hold_s * S);
            counts[0]++;
        } else if (kind < 8) {
            int rc = ike_pool_release(p, &a, now);
            if (off < m.size && m.owner[off] >= 0 && m.refs[off] > 0) {
                assert_int_equal(rc, 0);
                if (--m.refs[off] == 0) {
                    m.online--;
                    m.held++;
                    m.rel_ns[off] = now;
                    m.rel_seq[off] = ++m.seq;
                }
            } else {
                assert_int_equal(rc, -ENOENT);
            }
            counts[1]++;
        } else if (kind == 8) {
            int rc = ike_pool_forget(p, &a);
            if (off >= m.size || m.owner[off] < 0) {
                assert_int_equal(rc, -ENOENT);
            } else if (m.refs[off] > 0) {
                assert_int_equal(rc, -EBUSY);
            } else {
                assert_int_equal(rc, 0);
                m.lease[m.owner[off]] = -1;
                m.owner[off] = -1;
                m.held--;
            }
            counts[2]++;
        } else {
            now += (next_rand(&x) % 3) * S;
            counts[3]++;
        }
        model_check_stats(p, &m);
        struct ike_pool_lease l;
        bool found = ike_pool_lookup(p, &a, &l);
        assert_int_equal(found, off < m.size && m.owner[off] >= 0);
        if (found) {
            struct ike_id want = id_n((unsigned)m.owner[off]);
            assert_true(ike_id_equal(&l.owner, &want));
            assert_int_equal(l.refs, m.refs[off]);
            if (l.refs == 0)
                assert_int_equal(l.released_ns, m.rel_ns[off]);
        }
        if (op % 1000 == 0) {
            size_t n = ike_pool_list(p, 0, page, m.size);
            assert_int_equal(n, m.online + m.held);
            for (size_t k = 0; k < n; k++) {
                unsigned o = offset_of(p, &page[k].addr);
                assert_true(o < m.size);
                assert_true(m.owner[o] >= 0);
                assert_int_equal(page[k].refs, m.refs[o]);
            }
        }
    }
    /* Every kind of step happened, and the pool was both full and not. */
    for (unsigned k = 0; k < 4; k++)
        assert_true(counts[k] > ops / 20);
    assert_true(m.exhausted > 0);
    ike_pool_free(p);
    free(m.owner);
    free(m.refs);
    free(m.rel_ns);
    free(m.rel_seq);
    free(m.lease);
    free(page);
}

static void test_random_ipv4(void **state)
{
    (void)state;
    model_run("10.9.0.250", "10.9.1.57", 150, 40000, 0x9e3779b97f4a7c15ull);
}

static void test_random_ipv6(void **state)
{
    (void)state;
    model_run("2001:db8::ffc0", "2001:db8::1:ff", 700, 40000, 0x2545f4914f6cdd1dull);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_invalid_configs),
        cmocka_unit_test(test_exhaustion),
        cmocka_unit_test(test_same_identity_online),
        cmocka_unit_test(test_held_comes_back),
        cmocka_unit_test(test_hold_time),
        cmocka_unit_test(test_oldest_held_first),
        cmocka_unit_test(test_requested),
        cmocka_unit_test(test_forget),
        cmocka_unit_test(test_release_unknown),
        cmocka_unit_test(test_ipv4_octet_boundary),
        cmocka_unit_test(test_size_one),
        cmocka_unit_test(test_ipv6_carry),
        cmocka_unit_test(test_ipv6_64),
        cmocka_unit_test(test_list_paging),
        cmocka_unit_test(test_allocation_failures),
        cmocka_unit_test(test_random_ipv4),
        cmocka_unit_test(test_random_ipv6),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
