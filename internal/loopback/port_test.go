package loopback

import (
	"net"
	"strconv"
	"testing"
)

func TestFreePortsAreDistinctBindableAndBelowTheEphemeralRange(t *testing.T) {
	ports, err := FreePorts(20)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[int]bool{}
	for _, p := range ports {
		if p < lowestPort || p >= ephemeralLow() {
			t.Errorf("port %d outside [%d, %d)", p, lowestPort, ephemeralLow())
		}
		if seen[p] {
			t.Errorf("port %d returned twice", p)
		}
		seen[p] = true
		l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p))
		if err != nil {
			t.Errorf("port %d is not bindable: %v", p, err)
			continue
		}
		if err := l.Close(); err != nil {
			t.Errorf("close port %d: %v", p, err)
		}
	}
}

func TestFreePortsSkipsAPortInUse(t *testing.T) {
	ports, err := FreePorts(1)
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(ports[0]))
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := l.Close(); err != nil {
			t.Error(err)
		}
	}()
	for range 50 {
		again, err := FreePorts(1)
		if err != nil {
			t.Fatal(err)
		}
		if again[0] == ports[0] {
			t.Fatalf("port %d is in use but was returned", ports[0])
		}
	}
}
