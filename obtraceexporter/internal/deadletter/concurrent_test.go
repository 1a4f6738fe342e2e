package deadletter

import (
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Writers put while resenders scan and acknowledge; every entry ends either
// acknowledged or stored, never both, never lost. Run with -race.
func TestConcurrentPutScanAck(t *testing.T) {
	const writers, resenders, perWriter = 4, 3, 25
	dir := t.TempDir()
	s := openStore(t, dir, testMaxBytes)

	var acked sync.Map
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range perWriter {
				_, err := s.Put(testEntry(w*perWriter + i))
				assert.NoError(t, err)
			}
		})
	}
	var done sync.WaitGroup
	stop := make(chan struct{})
	for range resenders {
		done.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				c := s.Scan()
				for c.Next() {
					r := c.Record()
					if r.Items%2 == 0 {
						assert.NoError(t, s.Ack(r.ID)) //nolint:testifylint // in a goroutine: require would call FailNow off the test goroutine
						acked.Store(r.ID, true)
					} else {
						_, err := s.MarkFailed(r.ID, 503, "retry") // odd entries are never acknowledged
						assert.NoError(t, err)                     //nolint:testifylint // in a goroutine, as above
					}
				}
				assert.NoError(t, c.Err())
			}
		})
	}
	wg.Wait()
	close(stop)
	done.Wait()

	require.NoError(t, s.Close())
	s = openStore(t, dir, testMaxBytes)
	kept := scanAll(t, s)
	for _, r := range kept {
		_, wasAcked := acked.Load(r.ID)
		assert.False(t, wasAcked, "acknowledged entry %d came back", r.ID)
	}
	nAcked := 0
	acked.Range(func(any, any) bool { nAcked++; return true })
	assert.Equal(t, writers*perWriter, nAcked+len(kept))
	entries, _, _ := s.Stats()
	assert.Equal(t, int64(len(kept)), entries)
}
