package otlpguardextension

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"go.uber.org/zap"
)

const (
	// maxTokensFileSize bounds what is read of the tokens file.
	maxTokensFileSize = 1 << 20
	// maxTokens bounds the tokens held (each request is compared with all of them).
	maxTokens = 10000
	// bearerPrefix starts the Authorization value of a request: "Bearer <token>".
	bearerPrefix = "Bearer "
)

var (
	errMissingToken = errors.New("missing bearer token in the authorization header")
	errUnknownToken = errors.New("the bearer token is not in the tokens file")
)

// fileState is what a poll compares to tell whether the tokens file changed. os.Stat follows
// symlinks, so a kubelet "..data" swap changes the inode seen through the link.
type fileState struct {
	size  int64
	mtime time.Time
	inode uint64
	dev   uint64
}

// tokenFile holds the tokens of a file and re-reads it by polling. Whenever the file cannot be
// read, is too large, has too many tokens or has none, it holds no token (every request is
// refused) and says so in an error log line, until the file is good again.
type tokenFile struct {
	path     string
	interval time.Duration
	logger   *zap.Logger

	tokens atomic.Pointer[[][]byte]

	// polled state, touched only by load (Start, then the polling goroutine)
	state   fileState
	sum     [sha256.Size]byte
	failing string

	stop chan struct{}
	done sync.WaitGroup
}

func newTokenFile(path string, interval time.Duration, logger *zap.Logger) *tokenFile {
	t := &tokenFile{path: path, interval: interval, logger: logger, stop: make(chan struct{})}
	t.tokens.Store(&[][]byte{})
	return t
}

// start loads the file and polls it until shutdown. A file that cannot be read at start is
// not fatal (a Secret may be mounted later): every request is refused until it can be.
func (t *tokenFile) start() {
	t.load()
	t.done.Go(func() {
		ticker := time.NewTicker(t.interval)
		defer ticker.Stop()
		for {
			select {
			case <-t.stop:
				return
			case <-ticker.C:
				t.load()
			}
		}
	})
}

func (t *tokenFile) shutdown() {
	select {
	case <-t.stop:
	default:
		close(t.stop)
	}
	t.done.Wait()
}

// load re-reads the file if its state changed and swaps in its tokens.
func (t *tokenFile) load() {
	info, err := os.Stat(t.path)
	if err != nil {
		t.fail("cannot stat the tokens file", err)
		return
	}
	state := fileState{size: info.Size(), mtime: info.ModTime()}
	if sys, ok := info.Sys().(*syscall.Stat_t); ok {
		state.inode, state.dev = sys.Ino, uint64(sys.Dev) //nolint:unconvert // Dev is int32 on some platforms
	}
	if state == t.state && t.failing == "" {
		return
	}
	content, err := readBounded(t.path, maxTokensFileSize)
	if err != nil {
		t.fail("cannot read the tokens file", err)
		return
	}
	t.state = state
	sum := sha256.Sum256(content)
	if sum == t.sum && t.failing == "" {
		return
	}
	tokens, err := parseTokens(content)
	if err != nil {
		t.fail("refusing the tokens file", err)
		return
	}
	t.sum = sum
	t.tokens.Store(&tokens)
	if t.failing != "" {
		t.logger.Info("tokens file readable again; its tokens are accepted", zap.String("path", t.path), zap.Int("tokens", len(tokens)))
	} else {
		t.logger.Info("tokens file loaded", zap.String("path", t.path), zap.Int("tokens", len(tokens)))
	}
	t.failing = ""
}

// fail revokes every token. It logs once per kind of failure, not once per poll.
func (t *tokenFile) fail(what string, err error) {
	t.tokens.Store(&[][]byte{})
	t.state, t.sum = fileState{}, [sha256.Size]byte{}
	if msg := what + ": " + err.Error(); msg != t.failing {
		t.failing = msg
		t.logger.Error(what+"; every request is refused until it holds tokens again",
			zap.String("path", t.path), zap.Error(err))
	}
}

// readBounded reads at most limit bytes of path and fails if the file is longer.
func readBounded(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer func() { _ = f.Close() }() // opened read-only: Close cannot lose data
	content, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(content)) > limit {
		return nil, fmt.Errorf("larger than %d bytes", limit)
	}
	return content, nil
}

// parseTokens takes the first word of each line. Error messages never quote the file.
func parseTokens(content []byte) ([][]byte, error) {
	var tokens [][]byte
	for line := range bytes.Lines(content) {
		fields := bytes.Fields(line)
		if len(fields) == 0 {
			continue
		}
		if len(tokens) == maxTokens {
			return nil, fmt.Errorf("more than %d tokens", maxTokens)
		}
		tokens = append(tokens, fields[0])
	}
	if len(tokens) == 0 {
		return nil, errors.New("no token in the file")
	}
	return tokens, nil
}

// Authenticate accepts "Authorization: Bearer <token>" for a token of the file. Every token is
// compared in constant time, and all of them, so timing does not tell which one nearly matched.
func (t *tokenFile) Authenticate(ctx context.Context, headers map[string][]string) (context.Context, error) {
	value := headerValue(headers, "authorization")
	if !strings.HasPrefix(value, bearerPrefix) {
		return ctx, errMissingToken
	}
	presented := []byte(value[len(bearerPrefix):])
	match := 0
	for _, token := range *t.tokens.Load() {
		match |= subtle.ConstantTimeCompare(token, presented)
	}
	if match != 1 {
		return ctx, errUnknownToken
	}
	return ctx, nil
}

// headerValue is the first value of a header in HTTP (canonical) or gRPC (lower-case) form.
func headerValue(headers map[string][]string, lowerName string) string {
	for name, values := range headers {
		if len(values) > 0 && strings.EqualFold(name, lowerName) {
			return values[0]
		}
	}
	return ""
}
