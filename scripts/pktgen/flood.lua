-- veer's IKE_SA_INIT flood with pktgen-dpdk on real NICs: replays the pcap
-- written by tests/tools/gen_flood_pcap (new IKE_SA_INITs from made-up
-- clients) on port 0 at a series of rates, and reads back, on the same port,
-- what the gateway answered (REDIRECT or COOKIE replies, one per request while
-- veer's gate is closed). Start pktgen with the pcap on port 0, e.g.
--
--   pktgen -l 0-2 -n 4 -a 0000:3b:00.0 -- -P -m "[1:2].0" -s 0:flood.pcap -f flood.lua
--
-- and watch veer's own counters beside it (dpdk-telemetry.py: /veer/workers,
-- gate_redirects and gate_cookies; /veer/admission). Figures are printed as
-- "rate_pct tx_pps rx_pps" lines; docs/operations.md explains the setup.
package.path = package.path .. ";?.lua;test/?.lua;app/?.lua;"
require "Pktgen"

local port = "0"
local rates = {1, 5, 10, 25, 50, 75, 100} -- percent of the link
local seconds = 10

pktgen.screen("off")
pktgen.set(port, "count", 0) -- replay the pcap without end
printf("rate_pct tx_pps rx_pps\n")
for _, rate in ipairs(rates) do
    pktgen.clr()
    pktgen.set(port, "rate", rate)
    pktgen.start(port)
    pktgen.delay(2000) -- let the rate settle
    local before = pktgen.portStats(port, "port")[tonumber(port)]
    pktgen.delay(seconds * 1000)
    local after = pktgen.portStats(port, "port")[tonumber(port)]
    pktgen.stop(port)
    local tx = (after.opackets - before.opackets) / seconds
    local rx = (after.ipackets - before.ipackets) / seconds
    printf("%d %.0f %.0f\n", rate, tx, rx)
    pktgen.delay(2000)
end
pktgen.quit()
