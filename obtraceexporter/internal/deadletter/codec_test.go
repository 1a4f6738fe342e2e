package deadletter

import (
	"bytes"
	"encoding/binary"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestEncodeDecodeRoundTrip(t *testing.T) {
	e := testEntry(7)
	r, err := decode(encode(42, e))
	require.NoError(t, err)
	assert.Equal(t, Record{ID: 42, Entry: e}, r)

	data := encode(42, e)
	assert.Equal(t, fileMagic, string(data[:4]))
	assert.Equal(t, uint16(fileVersion), binary.LittleEndian.Uint16(data[4:]))
	assert.Equal(t, uint32(len(data)-headerSize-frameSize), binary.LittleEndian.Uint32(data[headerSize:]))
}

func TestDecodeRefusesLengthsPastBounds(t *testing.T) {
	data := encode(1, testEntry(0))
	body := data[headerSize+frameSize:]
	for _, field := range []int{32, 34} { // fingerprint and reason lengths
		bad := bytes.Clone(data)
		binary.LittleEndian.PutUint16(bad[headerSize+frameSize+field:], 0xffff)
		fixFrame(bad)
		_, err := decode(bad)
		require.ErrorIs(t, err, errDamaged)
	}
	bad := bytes.Clone(data)
	binary.LittleEndian.PutUint32(bad[headerSize:], uint32(len(body))+1)
	_, err := decode(bad)
	require.ErrorIs(t, err, errDamaged)
}

// fixFrame recomputes the CRC of a hand-edited file, to reach the checks
// behind it.
func fixFrame(data []byte) {
	body := data[headerSize+frameSize:]
	binary.LittleEndian.PutUint32(data[headerSize+4:], crc32Of(body))
}

// FuzzDecode: arbitrary bytes never panic, decode whole only as a file that
// encodes back to themselves, and never make decode allocate past the bounded
// strings.
func FuzzDecode(f *testing.F) {
	f.Add(encode(1, testEntry(0)))
	f.Add(encode(2, Entry{}))
	torn := encode(3, testEntry(3))
	f.Add(torn[:len(torn)-1])
	f.Fuzz(func(t *testing.T, data []byte) {
		checkDecode(t, data)
		// The same bytes with a matching frame, so the fuzzer gets past the
		// CRC to the body's fields.
		if len(data) >= headerSize+frameSize {
			framed := bytes.Clone(data)
			binary.LittleEndian.PutUint32(framed[headerSize:], uint32(len(framed)-headerSize-frameSize))
			fixFrame(framed)
			checkDecode(t, framed)
		}
	})
}

func checkDecode(t *testing.T, data []byte) {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	r, err := decode(data)
	runtime.ReadMemStats(&after)
	// Slack for the runtime's own allocations between the two reads.
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > MaxFingerprintBytes+MaxReasonBytes+64<<10 {
		t.Fatalf("decode of %d bytes allocated %d", len(data), alloc)
	}
	if err != nil {
		return
	}
	if !bytes.Equal(encode(r.ID, r.Entry), data) {
		t.Fatalf("decoded %+v does not encode back to its file", r)
	}
}
