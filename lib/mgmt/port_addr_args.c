/* SPDX-License-Identifier: BSD-3-Clause */
#include "port_addr_args.h"

#include <stdio.h>
#include <string.h>

#include "conf.h"

#define ADDR_TEXT_MAX 64

int mgmt_port_addr_args(const char *params, const struct dp_port *ports, unsigned nports,
                        bool with_len, struct dp_addr *out, char *why, size_t why_len)
{
    const char *comma = params != NULL ? strchr(params, ',') : NULL;
    if (comma == NULL || strchr(comma + 1, ',') != NULL) {
        snprintf(why, why_len, "two parameters, PORT and the address");
        return -1;
    }
    size_t name_len = (size_t)(comma - params);
    int port = -1;
    for (unsigned i = 0; i < nports && port < 0; i++) {
        if (strlen(ports[i].name) == name_len && strncmp(ports[i].name, params, name_len) == 0)
            port = (int)i;
    }
    if (port < 0) {
        snprintf(why, why_len, "no port is named \"%.*s\"", (int)(name_len < 32 ? name_len : 32),
                 params);
        return -1;
    }
    const char *text = comma + 1;
    if (strlen(text) >= ADDR_TEXT_MAX) {
        snprintf(why, why_len, "an address is shorter than %d characters", ADDR_TEXT_MAX);
        return -1;
    }
    struct ike_addr a;
    uint8_t len;
    if (with_len) {
        if (conf_addr_prefix_parse(text, &a, &len, why, why_len) < 0)
            return -1;
    } else if (strchr(text, '/') != NULL || ike_addr_parse(&a, text, 0) < 0) {
        snprintf(why, why_len, "not an address (without its length): \"%s\"", text);
        return -1;
    } else {
        len = (uint8_t)(ike_addr_ip_len(&a) * 8);
    }
    memset(out, 0, sizeof(*out));
    out->family = a.family;
    out->prefix_len = len;
    out->port = (uint16_t)port;
    memcpy(out->ip, a.ip, ike_addr_ip_len(&a));
    return 0;
}
