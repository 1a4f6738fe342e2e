package deadletter

import (
	"errors"
	"fmt"
	"math"
	"time"
	"unicode/utf8"
)

// Bounds of one entry; doc.go explains them.
const (
	MaxPayloadBytes     = 64 << 20
	MaxReasonBytes      = 1 << 10
	MaxFingerprintBytes = 128
)

// ErrTooLarge is returned by Put for an entry that can never fit the store.
var ErrTooLarge = errors.New("dead-letter entry too large")

// Entry is one request Obtrace ingest refused permanently.
type Entry struct {
	Payload        []byte    // the encoded OTLP request; opaque to the store
	Items          int       // spans, data points or log records in Payload
	Status         int       // HTTP status of the last refusal
	Reason         string    // why; truncated to MaxReasonBytes
	KeyFingerprint string    // fingerprint of the API key used, never the key
	Time           time.Time // of the first refusal; zero means now
	Attempts       int       // sends so far
}

// ID names a stored entry. IDs grow with every Put, so they order entries
// oldest first; 0 is never an ID.
type ID uint64

// Record is a stored entry with its ID.
type Record struct {
	ID ID
	Entry
}

// DropReport counts entries the store dropped to stay within its bound, so the
// caller can count and log them. Bytes are disk bytes (see doc.go).
type DropReport struct {
	Entries int64
	Items   int64
	Bytes   int64
}

func (d *DropReport) add(o DropReport) {
	d.Entries += o.Entries
	d.Items += o.Items
	d.Bytes += o.Bytes
}

// normalized is e ready to encode: reason truncated, time set, fields checked.
func normalized(e Entry, now time.Time) (Entry, error) {
	switch {
	case len(e.Payload) > MaxPayloadBytes:
		return e, fmt.Errorf("%w: payload is %d bytes, the bound is %d", ErrTooLarge, len(e.Payload), MaxPayloadBytes)
	case len(e.KeyFingerprint) > MaxFingerprintBytes:
		return e, fmt.Errorf("dead-letter key fingerprint is %d bytes, the bound is %d; pass a fingerprint, never the key", len(e.KeyFingerprint), MaxFingerprintBytes)
	case e.Items < 0 || !fitsUint32(e.Status) || !fitsUint32(e.Attempts):
		return e, fmt.Errorf("dead-letter entry has items %d, status %d, attempts %d; none may be negative, status and attempts fit 32 bits", e.Items, e.Status, e.Attempts)
	}
	e.Reason = truncate(e.Reason, MaxReasonBytes)
	if e.Time.IsZero() {
		e.Time = now
	}
	return e, nil
}

// truncate cuts s to at most n bytes without splitting a UTF-8 sequence.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func fitsUint32(n int) bool { return n >= 0 && uint64(n) <= math.MaxUint32 }
