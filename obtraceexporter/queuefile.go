package obtraceexporter

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.uber.org/zap"
)

// The queue file check (queue_file_check): see doc.go; the check itself is
// in queuefile_check.go.

const (
	queueFileCheckFail       = "fail"
	queueFileCheckQuarantine = "quarantine"
)

// fileStorageType is the component type of contrib's file_storage extension.
var fileStorageType = component.MustNewType("file_storage")

// queueFileCheck is one exporter's check of its queue file.
type queueFileCheck struct {
	storageID *component.ID // nil: no persistent queue
	owner     component.ID  // the exporter, whose ID names the file
	signal    signal
	mode      string
	logger    *zap.Logger
	now       func() time.Time
}

func newQueueFileCheck(cfg *Config, owner component.ID, s signal, logger *zap.Logger) *queueFileCheck {
	c := &queueFileCheck{owner: owner, signal: s, mode: cfg.QueueFileCheck, logger: logger, now: time.Now}
	if cfg.QueueConfig.HasValue() {
		c.storageID = cfg.QueueConfig.Get().StorageID
	}
	return c
}

// run checks the queue file before the queue opens it. It returns an error
// (stopping start) for a damaged file unless mode is quarantine.
func (c *queueFileCheck) run(host component.Host) error {
	if c.storageID == nil || c.storageID.Type() != fileStorageType || host == nil {
		return nil
	}
	ext, ok := host.GetExtensions()[*c.storageID]
	if !ok {
		return nil // exporterhelper reports the missing extension
	}
	dir, ok := fileStorageDirectory(unwrapStorage(ext))
	if !ok {
		c.logger.Warn("queue file check skipped: cannot learn the directory of the storage extension (file_storage changed?)",
			zap.String("storage", c.storageID.String()))
		return nil
	}
	path := queueFilePath(dir, c.owner, c.signal)
	damage := checkQueueFile(path)
	switch {
	case damage == nil:
		return nil
	case !errors.Is(damage, errDamagedQueueFile):
		return fmt.Errorf("`sending_queue.storage`: cannot check the persistent-queue file %s: %w", path, damage)
	case c.mode == queueFileCheckQuarantine:
		moved := path + ".damaged-" + c.now().UTC().Format("20060102T150405.000Z")
		if err := os.Rename(path, moved); err != nil {
			return fmt.Errorf("`queue_file_check`: the persistent-queue file %s is %w, and cannot be moved aside: %w; move it aside by hand", path, damage, err)
		}
		c.logger.Error("The persistent-queue file was damaged; it was moved aside and the queue starts empty. The data it held is NOT sent: "+
			"keep the moved file if it must be recovered",
			zap.String("file", path), zap.String("moved_to", moved), zap.String("reason", damage.Error()),
			zap.String("signal", string(c.signal)))
		return nil
	default:
		return fmt.Errorf("`sending_queue.storage`: the persistent-queue file %s is %w; the exporter did not open it, so nothing was discarded: "+
			"move it aside (mv %s %s.damaged) and start again, or set queue_file_check: quarantine to have that done at start", path, damage, path, path)
	}
}

// fileStorageDirectory returns the directory of a file_storage extension.
//
// It reads the extension's private configuration (localFileStorage.cfg.Directory)
// by reflection. That is the least fragile way there is: the host exposes no
// component's configuration, storage.Client hides its file, and asking the
// extension for a client would open the very file to check (bbolt initialises
// an empty one and panics on a truncated one). TestFileStorageDirectory pins
// the field against the file_storage version this module builds with; should
// it move, ok is false and the check is skipped with a warning, never guessed.
func fileStorageDirectory(ext component.Component) (dir string, ok bool) {
	cfg, ok := structBehind(reflect.ValueOf(ext))
	if !ok {
		return "", false
	}
	if cfg, ok = structBehind(cfg.FieldByName("cfg")); !ok {
		return "", false
	}
	field := cfg.FieldByName("Directory")
	if field.Kind() != reflect.String || field.String() == "" {
		return "", false
	}
	return field.String(), true
}

// structBehind follows pointers and interfaces from v to a struct.
func structBehind(v reflect.Value) (reflect.Value, bool) {
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return reflect.Value{}, false
		}
		v = v.Elem()
	}
	return v, v.Kind() == reflect.Struct
}

// queueFilePath is the file file_storage keeps a queue in, named as
// filestorage's GetClient names it: <directory>/exporter_<type>_<name>_<signal>
// with unsafe characters escaped, or the SHA-256 of that name when it is too
// long for the file system.
func queueFilePath(dir string, owner component.ID, s signal) string {
	name := escapeFileName(fmt.Sprintf("exporter_%s_%s_%s", owner.Type(), owner.Name(), s))
	path := filepath.Join(dir, name)
	if len(name) > maxFileNameBytes {
		sum := sha256.Sum256([]byte(name))
		path = filepath.Join(dir, hex.EncodeToString(sum[:]))
	}
	return path
}

// maxFileNameBytes is the longest file name of common file systems; longer
// names fail with ENAMETOOLONG, after which file_storage uses the hash.
const maxFileNameBytes = 255

// escapeFileName escapes like file_storage: letters, digits, '.', '-' and '_'
// stay, anything else (the tilde too) becomes ~XXXX, its Unicode code point.
func escapeFileName(name string) string {
	var b strings.Builder
	for _, r := range name {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '-', r == '_':
			b.WriteRune(r)
		default:
			fmt.Fprintf(&b, "~%04X", r)
		}
	}
	return b.String()
}
