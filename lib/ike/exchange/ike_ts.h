/* SPDX-License-Identifier: BSD-3-Clause */
/* Traffic selector narrowing (RFC 7296 2.9). */
#ifndef VEER_IKE_TS_H
#define VEER_IKE_TS_H

#include <stdbool.h>

#include "ike_addr.h"
#include "ike_payload.h"

/*
 * Intersects every proposed selector with every configured one and writes the
 * non-empty intersections (at most IKE_TS_MAX). Returns their number; 0 means
 * TS_UNACCEPTABLE.
 */
unsigned ike_ts_narrow(const struct ike_ts_payload *proposed, const struct ike_ts *configured,
                       unsigned nconfigured, struct ike_ts_payload *out);

/* True when `inner` lies entirely inside one of `outer` (initiator checking a narrowed reply). */
bool ike_ts_within(const struct ike_ts_payload *inner, const struct ike_ts *outer, unsigned nouter);

/* Narrowing into a Child SA's set: the first IKE_CHILD_TS_MAX intersections (still a subset). */
unsigned ike_ts_narrow_set(const struct ike_ts_payload *proposed, const struct ike_ts *configured,
                           unsigned nconfigured, struct ike_ts_set *out);
/* Decodes a TS payload into a set; -E2BIG when it holds more than IKE_CHILD_TS_MAX. */
int ike_ts_decode_set(const struct ike_pl *pl, struct ike_ts_set *out);
int ike_ts_encode_set(struct ike_writer *w, uint8_t which, const struct ike_ts_set *s);
bool ike_ts_set_within(const struct ike_ts_set *inner, const struct ike_ts *outer, unsigned nouter);

/* Fills a selector for addresses first..last, protocol and ports (0, 0..65535 for any). */
void ike_ts_range(struct ike_ts *ts, const struct ike_addr *first, const struct ike_addr *last,
                  uint8_t ip_proto, uint16_t start_port, uint16_t end_port);

#endif
