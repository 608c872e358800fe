package e2e

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
)

// ownerDir holds one file per live run, named after the run's ID, recording
// the PID and start time of the test process that owns the run's
// namespaces. It lives on /run (tmpfs) like the namespaces themselves, so
// both disappear together at reboot.
const ownerDir = "/run/firsthop-e2e"

// runIDPattern matches the names of everything the harness creates: the
// run ID ("fh" and six hex digits), a dash, a role or host name.
var runIDPattern = regexp.MustCompile(`^(fh[0-9a-f]{6})-[a-z0-9-]+$`)

// ownerFilePattern matches owner file names: a bare run ID.
var ownerFilePattern = regexp.MustCompile(`^fh[0-9a-f]{6}$`)

// owner identifies a process across PID reuse.
type owner struct {
	PID   int
	Start uint64 // clock ticks after boot, /proc/PID/stat field 22
}

func (o owner) String() string { return fmt.Sprintf("pid=%d start=%d\n", o.PID, o.Start) }

// self is this test process as an owner.
func self() (owner, error) {
	start, err := procStartTime(os.Getpid())
	return owner{PID: os.Getpid(), Start: start}, err
}

// alive reports whether o's process still runs (same PID, same start time).
func (o owner) alive() bool {
	start, err := procStartTime(o.PID)
	return err == nil && start == o.Start
}

func parseOwner(s string) (owner, error) {
	var o owner
	if _, err := fmt.Sscanf(s, "pid=%d start=%d", &o.PID, &o.Start); err != nil {
		return owner{}, fmt.Errorf("owner file %q: %w", s, err)
	}
	return o, nil
}

// procStartTime returns field 22 (starttime) of /proc/pid/stat.
func procStartTime(pid int) (uint64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name (field 2) is in parentheses and may hold spaces.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, fmt.Errorf("/proc/%d/stat: no ')'", pid)
	}
	f := strings.Fields(s[i+1:])
	// f[0] is field 3 (state); starttime is field 22.
	if len(f) < 20 {
		return 0, fmt.Errorf("/proc/%d/stat: %d fields", pid, len(f)+2)
	}
	return strconv.ParseUint(f[19], 10, 64)
}

// liveRuns are the run IDs this process owns, for [CleanupOwnRuns].
var liveRuns sync.Map // run ID -> struct{}

// newRunID claims a fresh run ID: it writes the owner file first, so that
// anything created under the ID afterwards is recognisably this process's.
func newRunID() (string, error) {
	me, err := self()
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(ownerDir, 0o755); err != nil {
		return "", err
	}
	for range 10 {
		var b [3]byte
		if _, err := rand.Read(b[:]); err != nil {
			return "", err
		}
		id := "fh" + hex.EncodeToString(b[:])
		f, err := os.OpenFile(filepath.Join(ownerDir, id), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return "", err
		}
		_, werr := f.WriteString(me.String())
		if err := errors.Join(werr, f.Close()); err != nil {
			return "", err
		}
		if len(namespacesOf(id)) > 0 { // not ours: leave it alone, try another
			continue
		}
		liveRuns.Store(id, struct{}{})
		return id, nil
	}
	return "", errors.New("no free run ID after 10 tries")
}

// releaseRunID removes the owner file once everything under id is gone.
func releaseRunID(id string) error {
	liveRuns.Delete(id)
	err := os.Remove(filepath.Join(ownerDir, id))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}

// namespacesOf lists the namespaces named "<id>-...".
func namespacesOf(id string) []string {
	entries, _ := os.ReadDir(netnsDir)
	var names []string
	for _, e := range entries {
		if m := runIDPattern.FindStringSubmatch(e.Name()); m != nil && m[1] == id {
			names = append(names, e.Name())
		}
	}
	return names
}

// removeRun kills every process in id's namespaces, deletes them (the
// bridge namespace, whose name ends in "-fabric", last) and releases id.
func removeRun(id string) error {
	var errs []error
	var fabric string
	for _, name := range namespacesOf(id) {
		if strings.HasSuffix(name, "-"+fabricNetns) {
			fabric = name
			continue
		}
		errs = append(errs, deleteNetns(name))
	}
	if fabric != "" {
		errs = append(errs, deleteNetns(fabric))
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	return releaseRunID(id)
}

// SweepStale removes what earlier test processes left behind: the
// namespaces (and with them every link) of runs whose owner file names a
// process that no longer exists. Runs without an owner file are not ours
// and are left alone; so are runs whose owner still lives. It returns the
// run IDs it removed.
func SweepStale() ([]string, error) {
	entries, err := os.ReadDir(ownerDir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var removed []string
	var errs []error
	for _, e := range entries {
		id := e.Name()
		if !ownerFilePattern.MatchString(id) {
			continue
		}
		b, err := os.ReadFile(filepath.Join(ownerDir, id))
		if errors.Is(err, fs.ErrNotExist) { // swept meanwhile by another process
			continue
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		o, err := parseOwner(string(b))
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if o.alive() {
			continue
		}
		if err := removeRun(id); err != nil {
			errs = append(errs, fmt.Errorf("sweep %s: %w", id, err))
			continue
		}
		removed = append(removed, id)
	}
	return removed, errors.Join(errs...)
}

// CleanupOwnRuns removes every run this process still owns. TestMain calls
// it when the test process is interrupted (SIGINT, SIGTERM), when
// t.Cleanup will not run.
func CleanupOwnRuns() error {
	var errs []error
	liveRuns.Range(func(k, _ any) bool {
		errs = append(errs, removeRun(k.(string)))
		return true
	})
	return errors.Join(errs...)
}
