package deadletter

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"time"
)

// The entry file format; doc.go describes it.
const (
	fileMagic   = "ODLQ"
	fileVersion = 1

	headerSize      = 8  // magic, version, reserved
	frameSize       = 8  // body length, CRC32C of the body
	bodyFixedSize   = 36 // id, time, status, attempts, items, two string lengths
	maxBodySize     = bodyFixedSize + MaxFingerprintBytes + MaxReasonBytes + MaxPayloadBytes
	maxFileSize     = headerSize + frameSize + maxBodySize
	entryOverhead   = headerSize + frameSize + bodyFixedSize
	fileVersionOffs = 4
)

var (
	castagnoli = crc32.MakeTable(crc32.Castagnoli)

	errDamaged = errors.New("damaged dead-letter entry file")
)

// encode returns the file bytes of entry id. e must be normalized.
func encode(id ID, e Entry) []byte {
	fp, reason := len(e.KeyFingerprint), len(e.Reason)
	b := make([]byte, 0, entryOverhead+fp+reason+len(e.Payload))
	b = append(b, fileMagic...)
	b = binary.LittleEndian.AppendUint16(b, fileVersion)
	b = binary.LittleEndian.AppendUint16(b, 0)
	b = b[:headerSize+frameSize] // the frame is filled in below, over the body

	b = binary.LittleEndian.AppendUint64(b, uint64(id))
	b = binary.LittleEndian.AppendUint64(b, uint64(e.Time.UnixNano()))
	b = binary.LittleEndian.AppendUint32(b, uint32(e.Status))
	b = binary.LittleEndian.AppendUint32(b, uint32(e.Attempts))
	b = binary.LittleEndian.AppendUint64(b, uint64(e.Items))
	b = binary.LittleEndian.AppendUint16(b, uint16(fp))
	b = binary.LittleEndian.AppendUint16(b, uint16(reason))
	b = append(b, e.KeyFingerprint...)
	b = append(b, e.Reason...)
	b = append(b, e.Payload...)

	body := b[headerSize+frameSize:]
	binary.LittleEndian.PutUint32(b[headerSize:], uint32(len(body)))
	binary.LittleEndian.PutUint32(b[headerSize+4:], crc32Of(body))
	return b
}

// decode parses the bytes of one entry file. The payload aliases data; the
// only allocations are the two strings, each within its bound, so a damaged
// or hostile file cannot make decode allocate more.
func decode(data []byte) (Record, error) {
	if len(data) < entryOverhead || string(data[:len(fileMagic)]) != fileMagic {
		return Record{}, fmt.Errorf("%w: %d bytes, no complete header", errDamaged, len(data))
	}
	if v := binary.LittleEndian.Uint16(data[fileVersionOffs:]); v != fileVersion {
		return Record{}, fmt.Errorf("%w: format version %d, this collector reads %d", errDamaged, v, fileVersion)
	}
	if binary.LittleEndian.Uint16(data[fileVersionOffs+2:]) != 0 {
		return Record{}, fmt.Errorf("%w: reserved header bytes set", errDamaged)
	}
	bodyLen := binary.LittleEndian.Uint32(data[headerSize:])
	body := data[headerSize+frameSize:]
	if uint64(bodyLen) != uint64(len(body)) || bodyLen > maxBodySize {
		return Record{}, fmt.Errorf("%w: frame says %d body bytes, the file holds %d", errDamaged, bodyLen, len(body))
	}
	if crc32Of(body) != binary.LittleEndian.Uint32(data[headerSize+4:]) {
		return Record{}, fmt.Errorf("%w: checksum mismatch", errDamaged)
	}

	fp := int(binary.LittleEndian.Uint16(body[32:]))
	reason := int(binary.LittleEndian.Uint16(body[34:]))
	payload := len(body) - bodyFixedSize - fp - reason
	if fp > MaxFingerprintBytes || reason > MaxReasonBytes || payload < 0 || payload > MaxPayloadBytes {
		return Record{}, fmt.Errorf("%w: field lengths %d/%d/%d exceed their bounds", errDamaged, fp, reason, payload)
	}
	items := binary.LittleEndian.Uint64(body[24:])
	if int64(items) < 0 {
		return Record{}, fmt.Errorf("%w: item count %d", errDamaged, items)
	}
	strs := body[bodyFixedSize:]
	return Record{
		ID: ID(binary.LittleEndian.Uint64(body)),
		Entry: Entry{
			Time:           time.Unix(0, int64(binary.LittleEndian.Uint64(body[8:]))).UTC(),
			Status:         int(binary.LittleEndian.Uint32(body[16:])),
			Attempts:       int(binary.LittleEndian.Uint32(body[20:])),
			Items:          int(items),
			KeyFingerprint: string(strs[:fp]),
			Reason:         string(strs[fp : fp+reason]),
			Payload:        strs[fp+reason:],
		},
	}, nil
}

func crc32Of(body []byte) uint32 { return crc32.Checksum(body, castagnoli) }
