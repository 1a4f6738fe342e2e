package bench

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"time"

	"google.golang.org/protobuf/encoding/protowire"
)

// End-to-end latency is measured with a send-time stamp in each request: the
// payload's resource carries the attribute StampKey, an 8-byte bytes value
// (big-endian unix nanoseconds) that the load generator overwrites in place
// just before it sends (no re-encoding, the length never changes), and that
// the sink reads back from every resource it receives. Collectors keep
// resources apart when they batch, so each resource the sink sees is the
// items of one sent request.

// StampKey is the resource attribute that carries the send time.
const StampKey = "bench.sent_unix_nano"

// stampPlaceholder is the value encoded before the offset is known; it is
// searched for once in the serialized request.
var stampPlaceholder = []byte("\xfeSTAMP\xfe\xef")

// stampOffset returns the offset of the placeholder in body; it must occur exactly once.
func stampOffset(body []byte) (int, error) {
	i := bytes.Index(body, stampPlaceholder)
	if i < 0 || bytes.Contains(body[i+1:], stampPlaceholder) {
		return 0, fmt.Errorf("stamp placeholder found %d times", bytes.Count(body, stampPlaceholder))
	}
	return i, nil
}

// PutStamp writes t at the payload's stamp offset of body (a copy of p.Body
// owned by the caller); payloads without a stamp are left alone.
func (p Payload) PutStamp(body []byte, t time.Time) {
	if p.StampAt > 0 {
		binary.BigEndian.PutUint64(body[p.StampAt:], uint64(t.UnixNano()))
	}
}

// Field numbers of the stamp's path: Resource*.resource, Resource.attributes,
// KeyValue.key / value, AnyValue.bytes_value.
const (
	fieldResource      = 1
	fieldAttributes    = 1
	fieldKey, fieldVal = 1, 2
	fieldBytesValue    = 7
)

// EachStamp calls fn with the send time of every resource of a serialized
// Export*ServiceRequest that carries one; it reads only the resources'
// attributes, not the items.
func EachStamp(req []byte, fn func(sent time.Time)) error {
	return eachBytesField(req, fieldResourceX, func(rx []byte) error {
		return eachBytesField(rx, fieldResource, func(res []byte) error {
			return eachBytesField(res, fieldAttributes, func(kv []byte) error {
				if sent, ok := stampOf(kv); ok {
					fn(sent)
				}
				return nil
			})
		})
	})
}

// stampOf decodes a KeyValue if it is the stamp.
func stampOf(kv []byte) (time.Time, bool) {
	var isStamp bool
	var raw []byte
	_ = eachField(kv, func(n protowire.Number, typ protowire.Type, v []byte) error {
		if typ != protowire.BytesType {
			return nil
		}
		b, _ := protowire.ConsumeBytes(v)
		switch n {
		case fieldKey:
			isStamp = string(b) == StampKey
		case fieldVal:
			_ = eachBytesField(b, fieldBytesValue, func(x []byte) error { raw = x; return nil })
		}
		return nil
	})
	if !isStamp || len(raw) != 8 {
		return time.Time{}, false
	}
	return time.Unix(0, int64(binary.BigEndian.Uint64(raw))), true
}
