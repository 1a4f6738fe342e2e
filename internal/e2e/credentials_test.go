package e2e

import (
	"strings"
	"testing"
)

// testAPIKey is what the collector is given as OBTRACE_API_KEY; every test searches the
// collector's output for it.
const testAPIKey = "obt_live_e2e_0123456789abcdef"

// Secrets of the reliability scenarios. Every collector output is searched for all of them
// (assertNoSecret), whatever the scenario.
const (
	// testReceiverToken is the bearer token the gateway's receivers require (OTELCOL_RECEIVER_TOKEN).
	testReceiverToken = "rcvtok_e2e_9f8e7d6c5b4a3210fedc"
	// tenantKeyA and tenantKeyB are two tenants' own Obtrace API keys (multi-tenant gateway).
	tenantKeyA = "obt_live_tenantA_1111aaaa2222bbbb"
	tenantKeyB = "obt_live_tenantB_3333cccc4444dddd"
	// tenantKeyRevoked is a key the fake ingest answers 401 to.
	tenantKeyRevoked = "obt_live_revoked_5555eeee6666ffff"
)

// receiverAuth is the header that authenticates a client to the gateway's receivers.
var receiverAuth = map[string]string{"Authorization": "Bearer " + testReceiverToken}

// secrets are searched for in every output: the exporter's API key, the receivers' bearer
// tokens and the tenants' own API keys (see credentials_test.go).
var secrets = map[string]string{
	"the API key":              testAPIKey,
	"the receiver token":       testReceiverToken,
	"tenant A's API key":       tenantKeyA,
	"tenant B's API key":       tenantKeyB,
	"the revoked tenant's key": tenantKeyRevoked,
}

func assertNoSecret(t *testing.T, where, text string) {
	t.Helper()
	for what, secret := range secrets {
		if strings.Contains(text, secret) {
			t.Errorf("%s appears in %s", what, where)
		}
	}
}
