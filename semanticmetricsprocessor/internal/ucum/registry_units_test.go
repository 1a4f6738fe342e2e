package ucum_test

import (
	"sort"
	"testing"

	"github.com/obtraceai/otelcol-obtrace/semanticmetricsprocessor/internal/registry"
	"github.com/obtraceai/otelcol-obtrace/semanticmetricsprocessor/internal/ucum"
)

// Every unit the registry uses parses, except the ones listed here, which
// are not UCUM. The processor treats registry units as given either way.
var registryUnitsNotUCUM = map[string]string{
	"rpm": "hw.fan.speed, hw.fan.speed.limit: revolutions per minute is not a UCUM atom ({rev}/min would be)",
}

func TestRegistryUnitsParse(t *testing.T) {
	users := map[string][]string{}
	for _, e := range registry.Entries() {
		users[e.Unit] = append(users[e.Unit], e.Name)
	}
	var units []string
	for u := range users {
		units = append(units, u)
	}
	sort.Strings(units)
	for _, u := range units {
		_, err := ucum.Parse(u)
		_, expected := registryUnitsNotUCUM[u]
		switch {
		case err != nil && !expected:
			t.Errorf("registry unit %q (%v) does not parse: %v", u, users[u], err)
		case err == nil && expected:
			t.Errorf("registry unit %q parses now: remove it from registryUnitsNotUCUM", u)
		}
	}
	t.Logf("%d distinct registry units", len(units))
}
