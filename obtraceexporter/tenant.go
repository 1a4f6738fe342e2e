package obtraceexporter

import (
	"container/list"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"
	"unicode"

	"go.opentelemetry.io/collector/client"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Tenant pass-through (auth.mode: passthrough): see doc.go.

// metadataAuthorization is the client metadata key holding the incoming
// Authorization header (metadata keys are case-insensitive).
const metadataAuthorization = "authorization"

// keyFingerprint names a key in logs and metrics without revealing it.
func keyFingerprint(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:4])
}

// refusal is a request refused before it is sent: the client sees code (the
// OTLP receiver maps Unauthenticated to HTTP 401 and PermissionDenied to 403).
// Data already queued that is refused this way is dropped with a permanent
// error (see send), so nothing retries it.
func refusal(code codes.Code, format string, args ...any) error {
	return status.Error(code, fmt.Sprintf(format, args...))
}

// tenantKeyFromAuthorization extracts the API key from the values of the
// incoming Authorization header. Error texts never contain the key.
func tenantKeyFromAuthorization(values []string) (string, error) {
	switch len(values) {
	case 0:
		return "", refusal(codes.Unauthenticated, "no tenant API key: in passthrough mode every request must carry its own \"Authorization: Bearer <Obtrace API key>\" "+
			"(and the OTLP receiver needs include_metadata: true; a batch processor in front must list authorization in metadata_keys)")
	case 1:
	default:
		return "", refusal(codes.Unauthenticated, "the request carries %d Authorization values; send exactly one \"Authorization: Bearer <Obtrace API key>\"", len(values))
	}
	scheme, key, ok := strings.Cut(strings.TrimSpace(values[0]), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", refusal(codes.Unauthenticated, "the Authorization header is not \"Bearer <Obtrace API key>\"")
	}
	key = strings.TrimSpace(key)
	switch {
	case key == "":
		return "", refusal(codes.Unauthenticated, "the Authorization header carries an empty bearer key")
	case len(key) > maxTenantKeyBytes:
		return "", refusal(codes.Unauthenticated, "the bearer key is %d bytes long; an Obtrace API key has at most %d", len(key), maxTenantKeyBytes)
	case strings.IndexFunc(key, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) || r > unicode.MaxASCII }) >= 0:
		return "", refusal(codes.Unauthenticated, "the bearer key contains whitespace, control or non-ASCII characters")
	case strings.HasPrefix(key, browserKeyPrefix):
		return "", refusal(codes.PermissionDenied, "the bearer key is an Obtrace browser key (obt_pub_), which a collector cannot use; send a server key (obt_live_, obt_stg_ or obt_dev_)")
	}
	return key, nil
}

// maxTenantKeyBytes bounds a tenant key: Obtrace keys are far shorter, and
// the key is stored with queued and dead-lettered data.
const maxTenantKeyBytes = 512

// tenantKeyFromContext returns the key of the request in ctx.
func tenantKeyFromContext(ctx context.Context) (string, error) {
	return tenantKeyFromAuthorization(client.FromContext(ctx).Metadata.Get(metadataAuthorization))
}

// withOnlyTenantKey returns ctx with client metadata reduced to the
// Authorization header that carries key (nothing else of the incoming request
// is kept, so nothing else reaches the persistent queue).
func withOnlyTenantKey(ctx context.Context, key string) context.Context {
	return client.NewContext(ctx, client.Info{Metadata: client.NewMetadata(map[string][]string{
		metadataAuthorization: {"Bearer " + key},
	})})
}

// withoutClientMetadata drops the incoming request's metadata (api_key mode
// needs none of it, so none of it is stored in the persistent queue).
func withoutClientMetadata(ctx context.Context) context.Context {
	if len(client.FromContext(ctx).Metadata.Get(metadataAuthorization)) == 0 && client.FromContext(ctx).Addr == nil {
		return ctx
	}
	return client.NewContext(ctx, client.Info{})
}

// breaker is the per-key auth circuit breaker. It holds at most maxTenants
// keys (by SHA-256, never the key itself); the least recently seen key is
// forgotten when a new one arrives and the table is full.
type breaker struct {
	threshold int
	coolOff   time.Duration
	max       int
	now       func() time.Time

	mu    sync.Mutex
	byKey map[[32]byte]*list.Element
	lru   *list.List // of *tenantState, most recently seen first
}

type tenantState struct {
	sum        [32]byte
	failures   int       // consecutive 401/403 answers
	lastStatus int       // the last of them
	openUntil  time.Time // data with this key is refused until then
}

func newBreaker(threshold int, coolOff time.Duration, maxTenants int) *breaker {
	return &breaker{
		threshold: threshold,
		coolOff:   coolOff,
		max:       maxTenants,
		now:       time.Now,
		byKey:     make(map[[32]byte]*list.Element),
		lru:       list.New(),
	}
}

// state returns the entry of key, creating it (and evicting the least
// recently seen one if the table is full). Call with mu held.
func (b *breaker) state(key string) *tenantState {
	sum := sha256.Sum256([]byte(key))
	if el, ok := b.byKey[sum]; ok {
		b.lru.MoveToFront(el)
		return el.Value.(*tenantState)
	}
	for b.lru.Len() >= b.max {
		oldest := b.lru.Back()
		delete(b.byKey, oldest.Value.(*tenantState).sum)
		b.lru.Remove(oldest)
	}
	st := &tenantState{sum: sum}
	b.byKey[sum] = b.lru.PushFront(st)
	return st
}

// check refuses key while its breaker is open.
func (b *breaker) check(key string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	st := b.state(key)
	now := b.now()
	if now.Before(st.openUntil) {
		return refusal(codesForStatus(st.lastStatus),
			"Obtrace refused this API key (key fingerprint %s) with HTTP %d %d times in a row; its data is refused for another %s, then one request tries again",
			keyFingerprint(key), st.lastStatus, st.failures, st.openUntil.Sub(now).Round(time.Second))
	}
	return nil
}

// record accounts for the answer to a request sent with key and reports
// whether this answer opened the breaker.
func (b *breaker) record(key string, statusCode int) (opened bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	st := b.state(key)
	switch {
	case statusCode == http.StatusUnauthorized || statusCode == http.StatusForbidden:
		st.failures++
		st.lastStatus = statusCode
		if st.failures >= b.threshold {
			st.openUntil = b.now().Add(b.coolOff)
			return true
		}
	case statusCode >= 200 && statusCode <= 299:
		st.failures = 0
	}
	return false
}

// len is the number of keys tracked.
func (b *breaker) len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.lru.Len()
}

func codesForStatus(statusCode int) codes.Code {
	if statusCode == http.StatusForbidden {
		return codes.PermissionDenied
	}
	return codes.Unauthenticated
}
