package deadletter

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
)

// openDirs holds the directories of this process's open stores: two stores on
// one directory would drop and acknowledge each other's entries.
var openDirs = struct {
	sync.Mutex
	m map[string]bool
}{m: map[string]bool{}}

// dirLock is a store's hold on its directory: in this process through
// openDirs, across processes through an flock on dir/LOCK where the OS has it.
type dirLock struct {
	dir  string
	file *os.File
}

func lockDir(dir string) (*dirLock, error) {
	resolved, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return nil, err
	}
	openDirs.Lock()
	defer openDirs.Unlock()
	if openDirs.m[resolved] {
		return nil, fmt.Errorf("dead-letter directory %s is already open in this process; give each exporter and signal its own directory", dir)
	}
	f, err := os.OpenFile(filepath.Join(resolved, lockName), os.O_RDWR|os.O_CREATE, filePerm)
	if err != nil {
		return nil, err
	}
	if err := flock(f); err != nil {
		_ = f.Close() // the lock was not taken; the flock error is the one to report
		return nil, fmt.Errorf("dead-letter directory %s is held by another process: %w; give each collector its own directory", dir, err)
	}
	openDirs.m[resolved] = true
	return &dirLock{dir: resolved, file: f}, nil
}

// release ends the hold; closing the file drops the flock.
func (l *dirLock) release() error {
	openDirs.Lock()
	defer openDirs.Unlock()
	delete(openDirs.m, l.dir)
	return l.file.Close()
}
