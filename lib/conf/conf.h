/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The configuration file (YAML, read with libyaml): gateway-wide settings and
 * the peers lib/ike runs on. See docs/configuration.md for every key.
 *
 * Errors name the file, the line and the key, e.g.
 *   veer.yaml:12: peers[0].esp_proposals: unknown algorithm "aes129gcm16"
 * and unknown keys are errors, so a typo never silently changes behaviour.
 */
#ifndef VEER_CONF_H
#define VEER_CONF_H

#include <stddef.h>

#include "ike.h"
#include "conf_profile.h"
#include "ike_redirect_policy.h"

struct veer_conf;

#define CONF_MAX_PEERS 64
#define CONF_MAX_LISTEN 4
#define CONF_MAX_MOBIKE_ADDRS 8
#define CONF_MAX_PORTS 8
#define CONF_DEVICE_MAX 256
/* Addresses of one port, both families together (address, address6 and addresses). */
#define CONF_MAX_PORT_ADDRS 8

/* One of a port's own addresses and the length of its directly connected subnet. */
struct conf_port_addr {
    struct ike_addr addr; /* port 0 */
    uint8_t prefix_len;
};

/* One DPDK port of the appliance (app/veer). */
struct conf_port {
    char name[32];
    char device[CONF_DEVICE_MAX]; /* a vdev ("net_af_packet0,iface=veth0") or a PCI address */
    /*
     * The port's first IPv4 and first IPv6 address (address and address6, or
     * the first of their family in addresses): the source of what the port
     * sends when nothing else decides (ARP requests, solicitations).
     */
    struct ike_addr addr;  /* the gateway's own IPv4 address on it, or family 0 */
    uint8_t prefix_len;    /* of the directly connected subnet */
    struct ike_addr addr6; /* its own IPv6 address, or family 0 */
    uint8_t prefix6_len;   /* of the directly connected IPv6 subnet */
    /* Every address of the port: address, address6, then addresses[] in their order. */
    unsigned naddrs;
    struct conf_port_addr addrs[CONF_MAX_PORT_ADDRS];
    char profile[CONF_PROFILE_NAME_MAX];     /* drivers-cfg/NAME.yaml, or "auto" (by driver) */
    struct conf_profile_overrides overrides; /* profile keys given on the port itself */
    unsigned mtu; /* largest IPv4 or IPv6 packet veer sends out of it (CONF_MTU_*) */
};

/* dataplane.ports[].mtu: IPv4 bytes, without the Ethernet header. */
#define CONF_MTU_MIN 576  /* every IPv4 host must take this much (RFC 791) */
#define CONF_MTU_MAX 9000 /* above 1500 the device must take jumbo frames (not set up by veer) */
#define CONF_MTU_DEFAULT 1500
#define CONF_MTU_MIN_IPV6 1280 /* every IPv6 link must carry this much (RFC 8200 5) */

/* Admission of new IKE_SA_INITs on the worker cores (dataplane.admission). */
enum conf_gate_mode {
    CONF_GATE_OFF,  /* everything goes to the control lcore */
    CONF_GATE_ON,   /* nothing new does without a cookie: REDIRECT or COOKIE from the workers */
    CONF_GATE_AUTO, /* up to `rate` per second, and only while the control lcore keeps up */
};

/*
 * What a closed gate in auto mode offers a client that supports REDIRECT
 * while the control lcore still has capacity (tokens, CPU): see
 * docs/configuration-dataplane.md for when each is right.
 */
enum conf_overload_policy {
    CONF_OVERLOAD_REDIRECT_FIRST, /* REDIRECT at once, as soon as the rate runs out */
    CONF_OVERLOAD_COOKIE_FIRST,   /* COOKIE; its return is served here unless saturated */
};

struct conf_admission {
    enum conf_gate_mode mode;
    unsigned rate; /* IKE_SA_INIT per second let through in auto mode */
    enum conf_overload_policy overload_policy;
    /* redirect_to (the short form of redirect.targets) goes into veer_conf.redirect */
};

/* dataplane.replay_window: the bounds and default of lib/dp (dp_esp_replay.h). */
#define CONF_REPLAY_WINDOW_MIN 64
#define CONF_REPLAY_WINDOW_MAX 4096
#define CONF_REPLAY_WINDOW_DEFAULT 1024

/* The `dataplane:` section: only app/veer reads it; veer-ike ignores it. */
/*
 * A manually keyed Child SA (dataplane.static_sas): for peers without IKE
 * and for benchmarks. Its keys sit in `sa` as IKE would have derived them.
 */
#define CONF_MAX_STATIC_SAS 16
struct conf_static_sa {
    char name[32];
    struct ike_child_sa sa;
    bool anti_replay; /* off by default: RFC 4303 3.3.3 */
};

/* A neighbour given by the operator (dataplane.neighbours): never asked with ARP. */
#define CONF_MAX_NEIGHBOURS 64
struct conf_neighbour {
    struct ike_addr addr;
    uint8_t mac[6];
    char port[32]; /* the name of the port it is on */
};

/* A static route (dataplane.routes); `via` is on the subnet of a port (`port`, or found). */
#define CONF_MAX_ROUTES 256
struct conf_route {
    struct ike_addr to; /* the destination prefix */
    uint8_t prefix_len;
    struct ike_addr via; /* the next hop */
    char port[32];       /* "": the port on whose subnet `via` is */
};

/*
 * An identity as the configuration writes it: an IPv4/IPv6 address, a
 * distinguished name ("O=..., CN=..."), an e-mail address or an FQDN;
 * "%any" leaves it empty. 0, or -1 with why set.
 */
int conf_id_parse(const char *s, struct ike_id *id, char *why, size_t why_len);

/*
 * "10.9.0.0/16" into to and len: an IPv4 prefix without host bits. 0, or -1
 * with why set. Shared by dataplane.routes and the run-time route commands.
 */
int conf_route_prefix_parse(const char *s, struct ike_addr *to, uint8_t *len, char *why,
                            size_t why_len);

/*
 * "198.51.100.1/24" or "2001:db8::1/64": one of the gateway's own addresses
 * and the length of its subnet (the whole address when absent). Refused: a
 * prefix length out of range, the unspecified or a multicast address, and
 * an IPv4 subnet's network or broadcast address (prefixes up to /30).
 * 0, or -1 with why set. Shared by dataplane.ports and the run-time
 * /veer/port/address_add.
 */
int conf_addr_prefix_parse(const char *s, struct ike_addr *addr, uint8_t *prefix_len, char *why,
                           size_t why_len);

/*
 * Every address of the gateway, each once, with port IKE_PORT: the ports'
 * addresses in port order when there is a dataplane section (app/veer),
 * else gateway.listen (veer-ike). Writes at most max into out and returns
 * how many there are (more than max: out holds the first max).
 */
unsigned conf_local_addrs(const struct veer_conf *c, struct ike_addr *out, unsigned max);

/*
 * The address of port p that packets toward `to` leave from: the one whose
 * subnet holds `to`, else the port's first of that family; NULL when the port
 * has none of that family.
 */
const struct conf_port_addr *conf_port_source(const struct conf_port *p, const struct ike_addr *to);

/* dataplane.icmp_rate: ICMP errors per second per worker (0: never send any). */
#define CONF_ICMP_RATE_DEFAULT 1000
#define CONF_ICMP_RATE_MAX 1000000

/*
 * dataplane.qcd_reply_rate: QCD replies (INVALID_IKE_SPI with the token, RFC
 * 6290) each worker may send per second for IKE SAs it does not know (0: the
 * workers answer none; the control lcore answers as without them).
 */
#define CONF_QCD_REPLY_RATE_DEFAULT 10000
#define CONF_QCD_REPLY_RATE_MAX 1000000

/*
 * dataplane.neighbour_reachable: seconds a learnt neighbour is trusted without
 * confirmation (0: forever); dataplane.neighbour_probes: unicast probes it
 * then gets before it is removed (lib/dp/neigh/neigh_age.c).
 */
#define CONF_NEIGH_REACHABLE_DEFAULT 30
#define CONF_NEIGH_REACHABLE_MAX 86400
#define CONF_NEIGH_PROBES_DEFAULT 3
#define CONF_NEIGH_PROBES_MAX 10
/*
 * dataplane.neighbour_hold: packets each worker holds per neighbour it is
 * asking for (0: a miss drops, as before holding); neighbour_hold_total: all
 * neighbours together, per worker (lib/dp/neigh/neigh_hold.c).
 */
#define CONF_NEIGH_HOLD_DEFAULT 3
#define CONF_NEIGH_HOLD_MAX 16
#define CONF_NEIGH_HOLD_TOTAL_DEFAULT 64
#define CONF_NEIGH_HOLD_TOTAL_MAX 1024

/* dataplane.reassembly: IPv4 fragments addressed to the gateway (lib/dp/ip/reass.c). */
#define CONF_REASS_FLOWS_DEFAULT 1024 /* datagrams in reassembly at once, per worker; 0: off */
#define CONF_REASS_FLOWS_MAX 65536
#define CONF_REASS_TIMEOUT_MS_DEFAULT 2000 /* from a datagram's first fragment to its last */
#define CONF_REASS_TIMEOUT_MS_MIN 10
#define CONF_REASS_TIMEOUT_MS_MAX 30000
#define CONF_REASS_MAX_SIZE_DEFAULT 12288 /* 8 fragments of a 1500-byte path */
#define CONF_REASS_MAX_SIZE_MIN 2048
#define CONF_REASS_MAX_SIZE_MAX 65000 /* an mbuf's data room is 16 bits, headroom included */
#define CONF_REASS_MBUFS_DEFAULT 512
#define CONF_REASS_MBUFS_MAX (1u << 20)

struct conf_reassembly {
    unsigned flows;      /* per worker */
    unsigned timeout_ms; /* a datagram not whole by then is given up */
    unsigned max_size;   /* the longest datagram kept when it outgrows its first fragment's mbuf */
    unsigned mbufs;      /* the pool of max_size buffers those are copied into, all workers */
};

struct conf_dataplane {
    bool present;
    unsigned workers;         /* worker lcores; the control lcore comes on top */
    unsigned idle_sleep_us;   /* 0: poll at full speed; else sleep this long when idle */
    unsigned mbufs;           /* per port */
    unsigned ring_size;       /* worker -> control ring (IKE, ARP) */
    unsigned replay_window;   /* ESP anti-replay window in packets, 64..4096 */
    char telemetry_group[32]; /* group allowed on the telemetry socket; "": owner only */
    char drivers_cfg[CONF_PROFILE_DIR_MAX]; /* where port profiles are */
    struct conf_admission admission;
    unsigned nports;
    struct conf_port ports[CONF_MAX_PORTS];
    unsigned nstatic_sas;
    struct conf_static_sa static_sas[CONF_MAX_STATIC_SAS];
    unsigned nneighbours;
    struct conf_neighbour neighbours[CONF_MAX_NEIGHBOURS];
    unsigned nroutes;
    struct conf_route routes[CONF_MAX_ROUTES];
    unsigned icmp_rate;
    unsigned qcd_reply_rate;
    unsigned neighbour_reachable;  /* seconds; 0: learnt neighbours never age */
    unsigned neighbour_probes;     /* 1 to CONF_NEIGH_PROBES_MAX */
    unsigned neighbour_hold;       /* per neighbour, per worker; 0: off */
    unsigned neighbour_hold_total; /* per worker, 1 to CONF_NEIGH_HOLD_TOTAL_MAX */
    struct conf_reassembly reassembly;
};

struct veer_conf {
    struct ike_config ike; /* .peers points into peers[] */
    unsigned nlisten;
    struct ike_addr listen[CONF_MAX_LISTEN];
    /*
     * gateway.mobike_addresses: announced to MOBIKE peers (ike.announce_addrs
     * points here); veer-ike also listens on them.
     */
    unsigned nmobike_addrs;
    struct ike_addr mobike_addrs[CONF_MAX_MOBIKE_ADDRS];
    unsigned npeers;
    struct ike_peer_cfg peers[CONF_MAX_PEERS];
    struct conf_dataplane dp;
    /*
     * The redirect policy (`redirect:`, or `dataplane.admission.redirect_to`
     * as a short form): targets, weights, policy, the gateway's own addresses
     * (gateway.listen and the ports) and its anycast addresses, ready to
     * publish to the workers and to hand to lib/ike.
     */
    struct rp_table redirect;
    /*
     * Certificates and keys the peers point to (ike_peer_cfg.cred/.trust),
     * loaded from their PEM files and owned here: conf_free() releases them.
     */
    struct ike_trust *cacerts;                /* gateway.cacerts, for peers without their own */
    struct ike_cred *creds[CONF_MAX_PEERS];   /* peers[i].cert and .key */
    struct ike_trust *trusts[CONF_MAX_PEERS]; /* peers[i].cacerts */
    /* EAP users' secrets (peers[i].eap_secrets_file), owned here like the keys. */
    struct ike_eap_secret *eap_secrets[CONF_MAX_PEERS];
    /*
     * The QCD secrets (gateway.qcd_secret_file, qcd_previous_secret_file):
     * ike.qcd_keys points here once they are read, and stays NULL without
     * qcd_secret_file. conf_free() wipes them.
     */
    struct ike_qcd_keys qcd_keys;
    /* `pools:` (ike.pools points here): virtual IPs for remote-access clients. */
    unsigned npools;
    struct ike_pool_cfg pools[IKE_MAX_POOLS];
    /*
     * gateway.stop_wait: at a clean stop, how long the programs wait for the
     * answers to the Deletes of peers with stop_action delete.
     */
    unsigned stop_wait_ms;
};

/* pools[].hold: how long a client's address stays its own after its last IKE SA went. */
#define CONF_POOL_HOLD_DEFAULT 3600

/* gateway.qcd_previous_valid: how long after start the previous QCD secret still answers. */
#define CONF_QCD_PREV_VALID_DEFAULT 86400
/* peers[].qcd_liveness: a taker's early liveness check, in milliseconds (0: off). */
#define CONF_QCD_LIVENESS_MS_DEFAULT 1000
#define CONF_QCD_LIVENESS_MS_MAX 3600000
/* gateway.stop_wait: within systemd's TimeoutStopSec (20 s in veer.service). */
#define CONF_STOP_WAIT_MS_DEFAULT 2000
#define CONF_STOP_WAIT_MS_MAX 15000

/*
 * Loads `path` into conf. Returns 0, or -1 with a message in err
 * ("file:line: key: why").
 */
int conf_load(const char *path, struct veer_conf *conf, char *err, size_t err_len);

/*
 * Files a configuration names for secrets and credentials: peers' psk_file,
 * cert, key, cacerts and eap_secrets_file, gateway.cacerts,
 * qcd_secret_file and qcd_previous_secret_file, and
 * dataplane.static_sas[].keys_file. Port profiles (drivers-cfg/) are part of
 * veer, not secrets: they are always read.
 */
struct conf_load_opts {
    /*
     * Do not open them: every other check still runs, but what depends on
     * their contents (a key's length, a certificate naming local_id) is not
     * checked, and the result holds no keys: it is for reporting (--check-syntax),
     * never for running.
     */
    bool skip_files;
    /* Called for each such file, read or not: "file:line", the key, the path. */
    void (*on_file)(void *arg, const char *where, const char *key, const char *path);
    /*
     * Create nothing (--check): a gateway.qcd_secret_file that is not there,
     * which starting would create, is no error as long as its directory could
     * take it; it is not read, and on_create is told.
     */
    bool no_create;
    /*
     * A file starting creates (gateway.qcd_secret_file, when missing): called
     * once it was made, or under no_create when it would be. May be NULL.
     */
    void (*on_create)(void *arg, const char *where, const char *key, const char *path);
    void *arg;
};

/* conf_load with options; opts NULL is conf_load. */
int conf_load_opts(const char *path, const struct conf_load_opts *opts, struct veer_conf *conf,
                   char *err, size_t err_len);

/* Releases the certificates and keys a loaded configuration holds (a failed load already did). */
void conf_free(struct veer_conf *conf);

/* Same, from a string (tests); `name` is used in messages. */
int conf_load_string(const char *text, const char *name, struct veer_conf *conf, char *err,
                     size_t err_len);

/*
 * Parses one proposal in strongSwan's syntax ("aes128gcm16-prfsha256-x25519",
 * "aes256-sha256-modp2048", "aes128gcm16-esn") for protocol IKE or ESP.
 * Returns 0 or -1 with the offending token in err.
 */
int conf_parse_proposal(const char *text, uint8_t protocol, struct ike_proposal_cfg *out, char *err,
                        size_t err_len);

/*
 * Durations: a number of seconds, or with a unit s, m, h or d ("90", "20m",
 * "8h"); at most max_s seconds. Byte counts: a number, or with K, M, G or T
 * (powers of 1024). Return 0, -EINVAL (syntax) or -ERANGE (too large).
 */
int conf_parse_duration(const char *s, unsigned max_s, unsigned *out);
int conf_parse_bytes(const char *s, uint64_t *out);
/*
 * A duration in milliseconds: a number of seconds as above, or with a unit
 * ms, s, m, h or d ("500ms", "1s", "2m"); at most max_ms. Same returns.
 */
int conf_parse_duration_ms(const char *s, unsigned max_ms, unsigned *out);

/*
 * The address app/veer initiates to `remote` from (a peer's start_action
 * start): the address whose subnet holds it (of any port), else the first
 * address of its family of the first port that has one; on port IKE_PORT. 0, or -1 when no port
 * has an address of that family.
 */
int conf_local_for(const struct conf_dataplane *dp, const struct ike_addr *remote,
                   struct ike_addr *local);

#endif
