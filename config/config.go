package config

import (
	"errors"
	"fmt"
	"os"

	"github.com/firsthop/firsthop/model"
)

// Config is a validated configuration file. Every value in it is typed and
// checked; Table is ready for the proxy.
type Config struct {
	// Node and Zone are where this proxy runs. Node is the file's node:
	// unless [Options.NodeName] (or NODE_NAME for [Load]) overrides it.
	// Empty means unknown. Both are also copied into Table.
	Node, Zone string

	// Admin is the admin server's settings.
	Admin Admin

	// Listeners are the proxy's listening sockets, in file order. Never
	// empty in standalone mode; may be empty with [Options.Ingress].
	Listeners []Listener

	// Table is the routing model: node and zone, client-IP policy,
	// forwarding headers, routes, backends and default backend.
	Table model.TableSpec

	// Warnings are lint findings (insecure or useless settings), in file
	// order. They are never fatal; nil means none.
	Warnings []Diagnostic

	// Files are the files the configuration was read from: the file
	// itself (when it has a name) and the files it names (certificates
	// and keys, htpasswd files, backend CA bundles and client
	// certificates), so that a caller can reload when one of them
	// changes.
	Files []string
}

// Admin is the admin server's settings.
type Admin struct {
	// Address is the admin server's listening address, IP:port.
	// Never empty: it defaults to [DefaultAdminAddress].
	Address string
}

// DefaultAdminAddress is the admin server's address when admin.address is
// not set: loopback only.
const DefaultAdminAddress = "127.0.0.1:9901"

// Listener is one listening socket of the proxy; see [model.ListenerSpec].
type Listener = model.ListenerSpec

// Options changes how [Parse] reads a file. The zero value reads a
// standalone configuration and keeps the file's node.
type Options struct {
	// Ingress selects Kubernetes mode: routes, backends and defaultBackend
	// come from Ingress resources, so setting them in the file is an error,
	// and the file may have no listeners.
	Ingress bool

	// NodeName, when non-empty, overrides the file's node: setting. [Load]
	// fills it from the NODE_NAME environment variable when it is empty.
	NodeName string
}

// Parse decodes and validates a configuration file. filename is used in
// diagnostics and to find the files the configuration names (relative
// paths are relative to its directory); only those are read from disk.
//
// On failure the error is [Errors], holding every problem in the file with
// its line and column: unknown keys, wrong types, bad values, YAML syntax
// errors, and inconsistencies such as a route naming an undefined backend.
// On success Config.Warnings holds the lint findings.
func Parse(filename string, data []byte, opts Options) (*Config, error) {
	d := &decoder{file: filename}
	root := d.document(data)
	if root == nil {
		return nil, d.errors()
	}
	p := d.top(root, opts)
	if opts.NodeName != "" {
		if err := checkName(opts.NodeName); err != nil {
			d.errs = append(d.errs, Diagnostic{Message: fmt.Sprintf("node name override (NODE_NAME): %v", err)})
		}
		p.node = opts.NodeName
	}
	d.check(p, opts)
	if len(d.errs) > 0 {
		return nil, d.errors()
	}
	d.lint(p)
	sortDiagnostics(d.warns)
	cfg := p.build()
	cfg.Files = append(cfg.Files, d.files...)
	cfg.Warnings = d.warns
	if filename != "" {
		cfg.Files = append([]string{filename}, cfg.Files...)
	}
	return cfg, nil
}

// Load reads the configuration file at path and parses it with [Parse].
// When opts.NodeName is empty, the NODE_NAME environment variable (if set)
// overrides the file's node:. A file that cannot be read gives the
// [os.ReadFile] error, not [Errors].
func Load(path string, opts Options) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	if opts.NodeName == "" {
		opts.NodeName = os.Getenv("NODE_NAME")
	}
	return Parse(path, data, opts)
}

// errors returns the recorded problems, sorted by position, as an error.
func (d *decoder) errors() error {
	if len(d.errs) == 0 {
		return errors.New("config: no problem recorded")
	}
	sortDiagnostics(d.errs)
	return Errors(d.errs)
}
