/* SPDX-License-Identifier: BSD-3-Clause */
/* Inside lib/dp: route.c frees the IPv6 table route6.c may have made. */
#ifndef VEER_DP_ROUTE6_H
#define VEER_DP_ROUTE6_H

#include "dp_route.h"

void dp_routes_free6(struct dp_routes *r);

#endif
