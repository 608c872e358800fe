package config

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"gopkg.in/yaml.v3"
)

// filePath returns the path a file key's value s names: s itself when it
// is absolute or the configuration has no file name, else s relative to
// the directory of the configuration file, as every file key is read.
func (d *decoder) filePath(s string) string {
	if filepath.IsAbs(s) || d.file == "" {
		return s
	}
	return filepath.Join(filepath.Dir(d.file), s)
}

// readFile decodes the file key n (a path, see [decoder.filePath]) and
// reads the file, which must be a regular file of at most limit bytes:
// a device or a FIFO could make the read endless. The file is recorded in
// d.files, read or not, so that a caller reloading on changes sees it
// appear. It returns the contents and the resolved path; ok is false
// after an error is recorded at n.
func (d *decoder) readFile(n *yaml.Node, path, what string, limit int64) (data []byte, name string, ok bool) {
	s, ok := d.text(n, path, "a file path")
	if !ok {
		return nil, "", false
	}
	if s == "" {
		d.errorf(n, "%s: must not be empty", path)
		return nil, "", false
	}
	name = d.filePath(s)
	d.files = append(d.files, name)
	data, err := readRegular(name, limit)
	if err != nil {
		d.errorf(n, "%s: reading %s: %v", path, what, err)
		return nil, name, false
	}
	return data, name, true
}

// readRegular reads the regular file name, refusing one larger than limit
// bytes.
func readRegular(name string, limit int64) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", name)
	}
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%s is larger than %d bytes", name, limit)
	}
	return data, nil
}
