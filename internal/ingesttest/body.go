package ingesttest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"

	"github.com/klauspost/compress/gzip"
)

// gzipReaders are reused: bench.Sink reads bodies on its hot path without
// allocating a gzip reader (and its window) per request.
var gzipReaders sync.Pool

// ReadBody reads the body of r into buf, gunzipped if its Content-Encoding is
// gzip, and returns how many bytes came over the wire. Other encodings than
// gzip, identity or none are an error.
func ReadBody(r *http.Request, buf *bytes.Buffer) (int, error) {
	wire := &countingReader{r: r.Body}
	switch enc := r.Header.Get("Content-Encoding"); enc {
	case "", "identity":
		_, err := buf.ReadFrom(wire)
		return wire.n, err
	case "gzip":
		zr, err := gzipReader(wire)
		if err != nil {
			return 0, fmt.Errorf("gzip: %w", err)
		}
		_, err = buf.ReadFrom(zr)
		gzipReaders.Put(zr)
		if err != nil {
			return 0, fmt.Errorf("gzip: %w", err)
		}
		return wire.n, nil
	default:
		return 0, errors.New("unsupported Content-Encoding " + enc)
	}
}

func gzipReader(r io.Reader) (*gzip.Reader, error) {
	if v := gzipReaders.Get(); v != nil {
		zr := v.(*gzip.Reader)
		return zr, zr.Reset(r)
	}
	return gzip.NewReader(r)
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}
