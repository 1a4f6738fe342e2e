// Package deadletter is the obtrace exporter's dead-letter queue: an on-disk
// store for requests Obtrace ingest refused permanently (a wrong key, data
// refused, a server error after the retries ran out), so that nothing
// accepted is dropped silently. The exporter keeps one Store per component
// and signal, each in its own directory, resends from it, and counts what it
// drops.
//
// # Design: one file per entry
//
// Each entry is one file, <ID as 16 hex digits>.dlq. Put writes <ID>.tmp,
// fsyncs it, renames it into place and fsyncs the directory; MarkFailed
// rewrites an entry the same way; Ack and drops remove files and fsync the
// directory. A rename is atomic, so after a crash every entry file is whole or
// absent, and acknowledgements and drops need no head pointer, tombstones or
// compaction. Append-only segments would save inodes but need all three,
// because entries are acknowledged out of order and updated in place; a
// dead-letter queue is written rarely, so the simpler design wins. IDs grow
// with each Put and order entries oldest first; a directory also holds LOCK,
// flocked by the open Store, and is created 0700 with files 0600.
//
// # Format
//
// Little-endian. An entry file is a header, a frame and a body:
//
//	header  magic "ODLQ" [4] | version uint16 (1) | reserved uint16 (0)
//	frame   body length uint32 | CRC32C (Castagnoli) of the body uint32
//	body    id uint64 | time unix ns int64 | status uint32 | attempts uint32 |
//	        items uint64 | fingerprint length uint16 | reason length uint16 |
//	        fingerprint | reason | payload (the rest of the body)
//
// The metadata comes before the payload, so a tool can list entries with
// their status and reason without decoding the OTLP payload. A file must be
// exactly header, frame and body long, with a matching CRC and the ID of its
// name; otherwise it is damaged.
//
// # Bounds
//
// Payload at most MaxPayloadBytes (64 MiB), reason at most MaxReasonBytes
// (1 KiB, truncated at a UTF-8 boundary), key fingerprint at most
// MaxFingerprintBytes (128; longer is refused, as it may be a key). A file is
// thus at most 16+36+128+1024+64 MiB bytes; the reader refuses a larger file
// before reading it, and the decoder allocates nothing beyond the two bounded
// strings whatever the bytes say.
//
// Each entry is charged its file size rounded up to 4 KiB, the block common
// file systems allocate, so maxBytes bounds disk use and the number of files
// (maxBytes/4096). When a Put goes past maxBytes, the oldest entries are
// dropped, after the new entry is durable, and reported in a DropReport; so
// disk use passes maxBytes by at most one entry while a Put runs. An entry
// charged more than maxBytes is refused with ErrTooLarge.
//
// # Guarantees
//
// Put returns only after the entry is durable; an error (a full disk, say)
// means it is not stored and nothing stored before is lost. Ack is durable
// when it returns. Open keeps every whole entry and reports in Recovery what
// it dropped: damaged files, temp files of writes cut short, and the oldest
// entries past maxBytes. Open refuses a directory another Store holds, in this
// process or (through flock, on Unix) another. A Store is safe for concurrent
// use; file I/O happens under its one lock.
package deadletter
