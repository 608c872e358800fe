package config

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

const nodeFile = listener + "node: from-file\nzone: z\n"

// writeConfig writes data to a temporary file and returns its path.
func writeConfig(t *testing.T, data string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "firsthop.yaml")
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestNodeNameOption checks that Options.NodeName overrides node: in the
// Config and in the table.
func TestNodeNameOption(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		nodeName string
		want     string
	}{
		{name: "file value kept", nodeName: "", want: "from-file"},
		{name: "option overrides", nodeName: "from-option", want: "from-option"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := mustParse(t, "node.yaml", []byte(nodeFile), Options{NodeName: tc.nodeName})
			if cfg.Node != tc.want || cfg.Table.Node != tc.want {
				t.Errorf("Node = %q, Table.Node = %q, want %q", cfg.Node, cfg.Table.Node, tc.want)
			}
			if cfg.Zone != "z" || cfg.Table.Zone != "z" {
				t.Errorf("Zone = %q, Table.Zone = %q, want z", cfg.Zone, cfg.Table.Zone)
			}
		})
	}
}

// TestLoadNodeNameEnv checks that Load reads NODE_NAME when the option is
// empty, and that the option wins over the environment. Not parallel: it
// sets the environment.
func TestLoadNodeNameEnv(t *testing.T) {
	path := writeConfig(t, nodeFile)
	t.Setenv("NODE_NAME", "from-env")
	cfg, err := Load(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Node != "from-env" || cfg.Table.Node != "from-env" {
		t.Errorf("with NODE_NAME: Node = %q, Table.Node = %q, want from-env", cfg.Node, cfg.Table.Node)
	}
	cfg, err = Load(path, Options{NodeName: "from-option"})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Node != "from-option" {
		t.Errorf("with option and NODE_NAME: Node = %q, want from-option", cfg.Node)
	}
	t.Setenv("NODE_NAME", "")
	cfg, err = Load(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Node != "from-file" {
		t.Errorf("with empty NODE_NAME: Node = %q, want from-file", cfg.Node)
	}
}

// TestLoadErrors checks that Load reports a missing file as an I/O error
// and a bad file as Errors naming the path.
func TestLoadErrors(t *testing.T) {
	t.Parallel()
	_, err := Load(filepath.Join(t.TempDir(), "missing.yaml"), Options{})
	var errs Errors
	if !errors.Is(err, fs.ErrNotExist) || errors.As(err, &errs) {
		t.Errorf("missing file: error %v, want fs.ErrNotExist and not Errors", err)
	}
	path := writeConfig(t, "listeners: [{name: a, address: nowhere}]\n")
	_, err = Load(path, Options{})
	if !errors.As(err, &errs) || len(errs) != 1 || errs[0].File != path || errs[0].Line != 1 {
		t.Errorf("bad file: error %v, want one Errors diagnostic in %s at line 1", err, path)
	}
}
