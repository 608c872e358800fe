package e2e

import (
	"context"
	"crypto/x509"
	"debug/elf"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// imageTestTimeout bounds TestImage: a cold build compiles firsthop and
// its dependencies from scratch inside the build stage.
const imageTestTimeout = 20 * time.Minute

// imageFiles is everything the final image holds: the binary, the CA
// certificates, the user database and the demo config. No shell, nothing
// from the build stage.
var imageFiles = []string{
	"etc",
	"etc/firsthop",
	"etc/firsthop/firsthop.yaml",
	"etc/group",
	"etc/passwd",
	"etc/ssl",
	"etc/ssl/certs",
	"etc/ssl/certs/ca-certificates.crt",
	"firsthop",
}

// TestImage builds the repository's Dockerfile with buildah as CI would
// with Docker, and checks the image: its configuration (entrypoint,
// non-root numeric user, OCI labels), its files (a static stripped binary,
// CA certificates, /etc/passwd, the demo config, nothing else), that its
// default command serves the demo config, which is valid, that its entrypoint runs
// `firsthop version` with the stamped version, that it runs as a user
// that cannot read a root-only file, and that it validates every example
// config. It logs the image size and the build times.
//
// No registry is reachable here, so the Go image the Dockerfile's build
// stage names is replaced by a stand-in made from the local Go toolchain
// (see [Buildah.MakeGoStandIn]); the Dockerfile itself is used unchanged.
// The go build cache of the build stage is a directory under [CacheDir],
// mounted into its RUN steps, so that a warm run does not recompile.
func TestImage(t *testing.T) {
	b := NewBuildah(t)
	ctx, cancel := context.WithTimeout(context.Background(), imageTestTimeout)
	defer cancel()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	dockerfile := filepath.Join(root, "Dockerfile")

	bases, err := DockerfileBases(dockerfile)
	if err != nil {
		t.Fatal(err)
	}
	if len(bases) == 0 {
		t.Fatalf("%s: no base image in any FROM line", dockerfile)
	}
	for _, base := range bases {
		start := time.Now()
		name, err := b.MakeGoStandIn(ctx, GoStandIn{Image: base, Module: root})
		if err != nil {
			t.Fatalf("stand-in for %s: %v", base, err)
		}
		t.Logf("stand-in %s from the local Go toolchain: %v", name, time.Since(start).Round(time.Millisecond))
	}

	version := "v0.0.0-e2e." + randomHex(4)
	revision := randomHex(20)
	created := time.Now().UTC().Format(time.RFC3339)
	image := "localhost/firsthop:e2e-" + randomHex(4)
	gocache := imageGoCache(t)
	start := time.Now()
	bud := b.Command(ctx, "bud", "--isolation", "chroot", "--pull=never",
		"--build-arg", "VERSION="+version,
		"--build-arg", "REVISION="+revision,
		"--build-arg", "CREATED="+created,
		// Docker's BuildKit sets these; buildah 1.28 does not.
		"--build-arg", "TARGETOS=linux",
		"--build-arg", "TARGETARCH="+runtime.GOARCH,
		"--volume", gocache+":/root/.cache/go-build",
		"--tag", image, "--file", dockerfile, root)
	if out, err := bud.CombinedOutput(); err != nil {
		t.Fatalf("buildah bud: %v\n%s", err, lastLines(out, 80))
	}
	t.Logf("buildah bud of %s: %v (go build cache %s)", dockerfile, time.Since(start).Round(time.Millisecond), gocache)

	size, err := b.Run(ctx, "images", "--format", "{{.Size}}", image)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := b.Inspect(ctx, image)
	if err != nil {
		t.Fatal(err)
	}
	ctr, err := b.Run(ctx, "from", "--pull=never", image)
	if err != nil {
		t.Fatal(err)
	}
	ctr = strings.TrimSpace(ctr)
	rootfs, err := b.Run(ctx, "mount", ctr)
	if err != nil {
		t.Fatal(err)
	}
	rootfs = strings.TrimSpace(rootfs)
	t.Logf("image %s: %s (buildah images), %d bytes of files", image, strings.TrimSpace(size), treeBytes(t, rootfs))

	t.Run("config", func(t *testing.T) {
		c := cfg.Config
		if !slices.Equal(c.Entrypoint, []string{"/firsthop"}) {
			t.Errorf("Entrypoint %q, want [/firsthop]", c.Entrypoint)
		}
		uid, gid := parseImageUser(t, c.User)
		if uid == 0 || gid == 0 {
			t.Errorf("User %q: want a numeric non-root user and group", c.User)
		}
		if cfg.OS != "linux" || cfg.Architecture != runtime.GOARCH {
			t.Errorf("platform %s/%s, want linux/%s", cfg.OS, cfg.Architecture, runtime.GOARCH)
		}
		labels := map[string]string{
			"org.opencontainers.image.title":    "firsthop",
			"org.opencontainers.image.version":  version,
			"org.opencontainers.image.revision": revision,
			"org.opencontainers.image.created":  created,
		}
		for k, want := range labels {
			if got := c.Labels[k]; got != want {
				t.Errorf("label %s = %q, want %q", k, got, want)
			}
		}
		for _, k := range []string{"org.opencontainers.image.source", "org.opencontainers.image.description"} {
			if c.Labels[k] == "" {
				t.Errorf("label %s missing", k)
			}
		}
	})

	// Before anything runs in the container: buildah run adds mount points.
	t.Run("files", func(t *testing.T) {
		checkImageFiles(t, rootfs, cfg.Config.User)
	})

	run := func(args ...string) (string, error) {
		return b.Run(ctx, append([]string{"run", "--isolation", "chroot"}, args...)...)
	}
	t.Run("entrypoint version", func(t *testing.T) {
		args := append([]string{ctr, "--"}, cfg.Config.Entrypoint...)
		out, err := run(append(args, "version")...)
		if err != nil {
			t.Fatal(err)
		}
		if want := "firsthop " + version + "\n"; out != want {
			t.Errorf("version printed %q, want %q (stamped with -X main.version)", out, want)
		}
	})

	t.Run("stock runtime", func(t *testing.T) {
		// The Dockerfile builds without cmd/netpolloverlay's overlay unless
		// asked (POLLER_OVERLAY=1). The probe of version -v tells the
		// overlay's order, first-ready first, for certain; the stock order
		// reads "last-ready first", or "mixed (0 7 6 5 4 3 2 1)" when a
		// loaded machine splits the probe's batch, so only the overlay's
		// answer is refused.
		args := append([]string{ctr, "--"}, cfg.Config.Entrypoint...)
		out, err := run(append(args, "version", "-v")...)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out, "\npoller: ") || strings.Contains(out, "\npoller: first-ready first") {
			t.Errorf("version -v printed %q, want the stock runtime's poller, not the overlay's first-ready first", out)
		}
	})

	t.Run("runs as non-root", func(t *testing.T) {
		// A readable file and a root-only one; as root both load, which
		// shows that the refusal comes from the image's user.
		probe := t.TempDir()
		data, err := os.ReadFile(filepath.Join(root, "examples", "standalone-direct.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		for name, mode := range map[string]os.FileMode{"open.yaml": 0o644, "root-only.yaml": 0o600} {
			if err := os.WriteFile(filepath.Join(probe, name), data, mode); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.Chmod(probe, 0o755); err != nil {
			t.Fatal(err)
		}
		vol := probe + ":/probe:ro"
		if _, err := run("--volume", vol, ctr, "--", "/firsthop", "validate", "--config", "/probe/open.yaml"); err != nil {
			t.Errorf("as the image's user, a readable config: %v", err)
		}
		_, err = run("--volume", vol, ctr, "--", "/firsthop", "validate", "--config", "/probe/root-only.yaml")
		if err == nil || !strings.Contains(err.Error(), "permission denied") {
			t.Errorf("as the image's user, a root-only config: error %v, want permission denied", err)
		}
		if _, err := run("--user", "0:0", "--volume", vol, ctr, "--", "/firsthop", "validate", "--config", "/probe/root-only.yaml"); err != nil {
			t.Errorf("as root, the root-only config: %v", err)
		}
	})

	t.Run("demo config", func(t *testing.T) {
		// docker run -p 8080:8080 firsthop serves the container demo.
		if want := []string{"serve", "--config", imageDemoConfig}; !slices.Equal(cfg.Config.Cmd, want) {
			t.Errorf("Cmd %q, want %q", cfg.Config.Cmd, want)
		}
		want, err := os.ReadFile(filepath.Join(root, "examples", "standalone-container.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		if got, err := os.ReadFile(filepath.Join(rootfs, imageDemoConfig)); err != nil || string(got) != string(want) {
			t.Errorf("%s in the image: %v; want examples/standalone-container.yaml as it is", imageDemoConfig, err)
		}
		validate := b.Command(ctx, "run", "--isolation", "chroot", ctr, "--", "/firsthop", "validate", "--config", imageDemoConfig)
		var stderr strings.Builder
		validate.Stderr = &stderr
		out, err := validate.Output()
		if want := imageDemoConfig + ": valid (0 warning(s))\n"; err != nil || string(out) != want {
			t.Errorf("validate %s: %v, %q, want %q\nstderr: %s", imageDemoConfig, err, out, want, stderr.String())
		}
		for _, line := range []string{"address: 0.0.0.0:8080", "echo: true", "node: demo"} {
			if !strings.Contains(string(want), line) {
				t.Errorf("the demo config has no %q: the container demo listens on every address, to the echo backend, on a named node", line)
			}
		}
	})

	t.Run("validates the examples", func(t *testing.T) {
		examples, err := filepath.Glob(filepath.Join(root, "examples", "*.yaml"))
		if err != nil || len(examples) == 0 {
			t.Fatalf("no examples/*.yaml (%v)", err)
		}
		vol := filepath.Join(root, "examples") + ":/examples:ro"
		for _, path := range examples {
			in := "/examples/" + filepath.Base(path)
			out, err := run("--volume", vol, ctr, "--", "/firsthop", "validate", "--config", in)
			if err != nil {
				t.Errorf("%v", err)
				continue
			}
			if want := in + ": valid (0 warning(s))\n"; out != want {
				t.Errorf("validate %s: %q, want %q", in, out, want)
			}
		}
	})
}

// imageDemoConfig is the image's default config: the container demo.
const imageDemoConfig = "/etc/firsthop/firsthop.yaml"

// maxImageBinary bounds the size of the image's /firsthop: the stripped
// release build is about 61 MiB on linux/amd64 (README, Container image);
// an unstripped one is about 88 MiB.
const maxImageBinary = 70 << 20

// imageGoCache returns the directory mounted as the build stage's go build
// cache: under [CacheDir] so that it outlives the test, else a temporary
// one.
func imageGoCache(t *testing.T) string {
	t.Helper()
	dir, err := CacheDir()
	if err != nil {
		t.Logf("no cache directory, the image build compiles everything: %v", err)
		return t.TempDir()
	}
	dir = filepath.Join(dir, "image-go-build")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// parseImageUser parses an image's "uid:gid" User. It fails t unless both
// are numbers: Kubernetes can check runAsNonRoot only for a numeric user.
func parseImageUser(t *testing.T, user string) (uid, gid uint64) {
	t.Helper()
	u, g, ok := strings.Cut(user, ":")
	uid, err1 := strconv.ParseUint(u, 10, 32)
	gid, err2 := strconv.ParseUint(g, 10, 32)
	if !ok || err1 != nil || err2 != nil {
		t.Fatalf("User %q: want numeric uid:gid", user)
	}
	return uid, gid
}

// checkImageFiles checks the image's root file system at rootfs: exactly
// [imageFiles], a static root-owned /firsthop, a CA bundle that parses,
// and /etc/passwd and /etc/group naming user's uid and gid.
func checkImageFiles(t *testing.T, rootfs, user string) {
	t.Helper()
	var got []string
	err := filepath.WalkDir(rootfs, func(path string, d fs.DirEntry, err error) error {
		if err != nil || path == rootfs {
			return err
		}
		rel, err := filepath.Rel(rootfs, path)
		got = append(got, rel)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, imageFiles) {
		t.Errorf("image files:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(imageFiles, "\n"))
	}

	bin := filepath.Join(rootfs, "firsthop")
	if fi, err := os.Stat(bin); err != nil {
		t.Error(err)
	} else if st := statOwner(fi); st != 0 || fi.Mode().Perm()&0o022 != 0 || fi.Mode().Perm()&0o111 != 0o111 {
		t.Errorf("/firsthop: owner %d, mode %v; want root-owned, executable, writable by root only", st, fi.Mode())
	}
	if f, err := elf.Open(bin); err != nil {
		t.Error(err)
	} else {
		for _, p := range f.Progs {
			if p.Type == elf.PT_INTERP {
				t.Error("/firsthop has an ELF interpreter: not a static binary")
			}
		}
		if libs, _ := f.ImportedLibraries(); len(libs) > 0 {
			t.Errorf("/firsthop needs shared libraries %v", libs)
		}
		// Built with -ldflags "-s -w": no symbol table, no DWARF.
		for _, name := range []string{".symtab", ".debug_info", ".zdebug_info"} {
			if f.Section(name) != nil {
				t.Errorf("/firsthop has a %s section: not stripped (-ldflags \"-s -w\")", name)
			}
		}
		f.Close()
	}
	if fi, err := os.Stat(bin); err == nil {
		t.Logf("/firsthop: %d bytes (%.1f MiB)", fi.Size(), float64(fi.Size())/(1<<20))
		if fi.Size() > maxImageBinary {
			t.Errorf("/firsthop is %d bytes, more than %d: README's Container image states the size", fi.Size(), maxImageBinary)
		}
	}

	ca, err := os.ReadFile(filepath.Join(rootfs, "etc/ssl/certs/ca-certificates.crt"))
	if err != nil || !x509.NewCertPool().AppendCertsFromPEM(ca) {
		t.Errorf("CA bundle: no certificate parsed (%v)", err)
	}

	uid, gid := parseImageUser(t, user)
	for _, f := range []struct {
		file  string
		field int
		id    uint64
	}{{"etc/passwd", 2, uid}, {"etc/group", 2, gid}} {
		text, err := os.ReadFile(filepath.Join(rootfs, f.file))
		if err != nil {
			t.Error(err)
			continue
		}
		found := false
		for _, line := range strings.Split(string(text), "\n") {
			if fields := strings.Split(line, ":"); len(fields) > f.field && fields[f.field] == strconv.FormatUint(f.id, 10) {
				found = true
			}
		}
		if !found {
			t.Errorf("/%s has no entry for id %d:\n%s", f.file, f.id, text)
		}
	}
}

// treeBytes returns the total size of the regular files under dir.
func treeBytes(t *testing.T, dir string) int64 {
	t.Helper()
	var n int64
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		fi, err := d.Info()
		if err == nil {
			n += fi.Size()
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// statOwner returns the owner uid of fi, or MaxUint32 if unknown.
func statOwner(fi os.FileInfo) uint32 {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return st.Uid
	}
	return ^uint32(0)
}
