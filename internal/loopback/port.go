// Package loopback picks listening ports on 127.0.0.1 for the collectors that tests and
// benchmarks start.
package loopback

import (
	"fmt"
	"math/rand/v2"
	"net"
	"os"
)

// lowestPort is where the search starts: clear of well-known and registered service ports.
const lowestPort = 10000

// FreePorts returns n distinct ports on 127.0.0.1 that nothing listens on, chosen at random
// below the kernel's ephemeral range. A port from Listen(":0") comes from that range, and
// between the check and the collector's bind, an outgoing connection (a client, the collector's
// own exports) can take it as its source port; below the range only another listener can.
func FreePorts(n int) ([]int, error) {
	high := ephemeralLow()
	seen := map[int]bool{}
	ports := make([]int, 0, n)
	for attempt := 0; len(ports) < n && attempt < 200*n; attempt++ {
		port := lowestPort + rand.IntN(high-lowestPort)
		if seen[port] {
			continue
		}
		seen[port] = true
		l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err != nil {
			continue
		}
		_ = l.Close() // only probing that the port binds
		ports = append(ports, port)
	}
	if len(ports) < n {
		return nil, fmt.Errorf("loopback: found %d of %d free ports below %d", len(ports), n, high)
	}
	return ports, nil
}

// ephemeralLow is the first port the kernel hands out for outgoing connections.
func ephemeralLow() int {
	const fallback = 32768
	b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err != nil {
		return fallback
	}
	var low, high int
	if _, err := fmt.Sscan(string(b), &low, &high); err != nil || low <= lowestPort+1000 {
		return fallback
	}
	return low
}
