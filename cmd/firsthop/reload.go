package main

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"os/signal"
	"slices"
	"syscall"
	"time"

	"github.com/firsthop/firsthop/config"
)

// reloader re-reads the config file on SIGHUP and when it (or a
// certificate file it names) changes, and applies it to a running server.
// An invalid file is reported and ignored: the running configuration stays.
type reloader struct {
	path     string
	dp       *dataPlane
	log      *slog.Logger
	interval time.Duration // 0: no polling, SIGHUP only
	files    []string      // watched; replaced after every good reload

	// loaded is the config file's stamp taken before it was last read, so
	// that a change made while it was read is still seen as one.
	loaded fileStamp

	// reloaded, when non-nil, receives the result of every reload (tests).
	reloaded chan<- error
}

// fileStamp is what polling compares to notice a change.
type fileStamp struct {
	mod  time.Time
	size int64
	ok   bool
}

func stamp(path string) fileStamp {
	fi, err := os.Stat(path)
	if err != nil {
		return fileStamp{}
	}
	return fileStamp{mod: fi.ModTime(), size: fi.Size(), ok: true}
}

// stamps returns the watched files' stamps, the config file's as it was
// before it was last read (see loaded).
func (r *reloader) stamps() []fileStamp {
	out := make([]fileStamp, len(r.files))
	for i, f := range r.files {
		out[i] = stamp(f)
		if f == r.path {
			out[i] = r.loaded
		}
	}
	return out
}

// current returns the watched files' stamps as they are now.
func (r *reloader) current() []fileStamp {
	out := make([]fileStamp, len(r.files))
	for i, f := range r.files {
		out[i] = stamp(f)
	}
	return out
}

// run reloads until ctx is done. The caller sets loaded before it reads
// the file the server runs with.
func (r *reloader) run(ctx context.Context) {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	var tick <-chan time.Time
	if r.interval > 0 {
		t := time.NewTicker(r.interval)
		defer t.Stop()
		tick = t.C
	}
	seen := r.stamps()
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
			r.log.Info("SIGHUP: reloading the configuration", "config", r.path)
		case <-tick:
			if slices.Equal(r.current(), seen) {
				continue
			}
			r.log.Info("configuration files changed: reloading", "config", r.path)
		}
		err := r.reload(ctx)
		seen = r.stamps()
		if r.reloaded != nil {
			r.reloaded <- err
		}
	}
}

// reload loads, validates and applies the file once.
func (r *reloader) reload(ctx context.Context) error {
	r.loaded = stamp(r.path)
	cfg, err := config.Load(r.path, config.Options{})
	if err != nil {
		var errs config.Errors
		if errors.As(err, &errs) {
			for _, d := range errs {
				r.log.Error("reload rejected: the running configuration stays", "error", d.String())
			}
		} else {
			r.log.Error("reload rejected: the running configuration stays", "error", err.Error())
		}
		return err
	}
	for _, w := range cfg.Warnings {
		r.log.Warn("config lint", "warning", w.String())
	}
	if err := r.dp.reconfigure(ctx, cfg); err != nil {
		r.log.Error("reload applied with errors", "error", err.Error())
		return err
	}
	r.files = cfg.Files
	r.log.Info("configuration reloaded", "generation", r.dp.srv.Table().Generation())
	return nil
}
