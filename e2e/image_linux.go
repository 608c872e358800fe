package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Buildah runs buildah (Debian package buildah) against a storage of its
// own: a vfs store, its run state, its registries.conf and its temporary
// files all live in one directory that the test's cleanup removes. Nothing
// is pulled: a build finds its base images in that store or fails.
//
// Every command runs in a private mount namespace in which /var/lib is
// replaced by a directory of the store's, because buildah writes a
// blob-info cache under /var/lib/containers whatever --root says. Paths
// under /var/lib are therefore invisible to buildah.
type Buildah struct {
	// Dir holds everything buildah writes.
	Dir string

	global []string // --root, --runroot, --storage-driver
	env    []string // added to the environment
	varLib string   // mounted on /var/lib
}

// buildahStorage is the storage.conf of a [Buildah]: vfs, which needs no
// kernel support (overlay) and no mounts.
const buildahStorage = `[storage]
driver = "vfs"
`

// buildahRegistries is the registries.conf of a [Buildah]: short names
// resolve as Docker resolves them (golang:1.26 is
// docker.io/library/golang:1.26).
const buildahRegistries = `unqualified-search-registries = ["docker.io"]
short-name-mode = "permissive"
`

// NewBuildah returns a [Buildah] whose store lives in a temporary directory
// of t. It ends the test through [Unavailable] without root or without
// buildah. The cleanup removes every working container first, so that
// nothing is left mounted.
func NewBuildah(t testing.TB) *Buildah {
	t.Helper()
	RequireRoot(t)
	RequireCommands(t, "buildah", "mount")
	dir := t.TempDir()
	b := &Buildah{Dir: dir, varLib: filepath.Join(dir, "var-lib")}
	for _, d := range []string{"root", "runroot", "tmp", "var-lib"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	files := map[string]string{"storage.conf": buildahStorage, "registries.conf": buildahRegistries}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	b.global = []string{
		"--root", filepath.Join(dir, "root"),
		"--runroot", filepath.Join(dir, "runroot"),
		"--storage-driver", "vfs",
	}
	b.env = []string{
		"CONTAINERS_STORAGE_CONF=" + filepath.Join(dir, "storage.conf"),
		"CONTAINERS_REGISTRIES_CONF=" + filepath.Join(dir, "registries.conf"),
		"TMPDIR=" + filepath.Join(dir, "tmp"),
		"BUILDAH_ISOLATION=chroot",
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), cleanupTimeout)
		defer cancel()
		if _, err := b.Run(ctx, "rm", "--all"); err != nil {
			t.Errorf("removing buildah containers: %v", err)
		}
		if m := mountsUnder(dir); len(m) > 0 {
			t.Errorf("left mounted under %s: %v", dir, m)
			for _, p := range m {
				syscall.Unmount(p, syscall.MNT_DETACH)
			}
		}
	})
	return b
}

// cleanupTimeout bounds a cleanup step.
const cleanupTimeout = 2 * time.Minute

// Command returns the exec.Cmd that runs `buildah GLOBAL-FLAGS args...` in
// its own mount namespace with b's /var/lib.
func (b *Buildah) Command(ctx context.Context, args ...string) *exec.Cmd {
	const script = `mount --bind "$1" /var/lib && shift && exec "$@"`
	argv := append([]string{"-c", script, "sh", b.varLib, "buildah"}, b.global...)
	cmd := exec.CommandContext(ctx, "/bin/sh", append(argv, args...)...)
	cmd.Env = append(os.Environ(), b.env...)
	// Go makes every mount in the new namespace private before the shell
	// runs, so the bind mount stays in it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Unshareflags: syscall.CLONE_NEWNS, Pdeathsig: syscall.SIGKILL}
	return cmd
}

// Run runs buildah with args and returns its standard output. The error
// quotes the end of its standard error.
func (b *Buildah) Run(ctx context.Context, args ...string) (string, error) {
	cmd := b.Command(ctx, args...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return string(out), fmt.Errorf("buildah %s: %w\n%s", strings.Join(args, " "), err, lastLines([]byte(stderr.String()), 60))
	}
	return string(out), nil
}

// ImageConfig is the part of an image's OCI configuration the tests read.
type ImageConfig struct {
	Architecture string `json:"architecture"`
	OS           string `json:"os"`
	Config       struct {
		User       string            `json:"User"`
		Entrypoint []string          `json:"Entrypoint"`
		Cmd        []string          `json:"Cmd"`
		Env        []string          `json:"Env"`
		Labels     map[string]string `json:"Labels"`
	} `json:"config"`
}

// Inspect returns the OCI configuration of image.
func (b *Buildah) Inspect(ctx context.Context, image string) (ImageConfig, error) {
	out, err := b.Run(ctx, "inspect", "--type", "image", image)
	if err != nil {
		return ImageConfig{}, err
	}
	var v struct {
		OCIv1 ImageConfig `json:"OCIv1"`
	}
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		return ImageConfig{}, fmt.Errorf("buildah inspect %s: %w", image, err)
	}
	return v.OCIv1, nil
}

// GoStandIn says how to make a stand-in for the official Go image.
type GoStandIn struct {
	// Image is the name to give it, as the Dockerfile writes it
	// ("golang:1.26-bookworm"). Its tag must start with the local Go's
	// major.minor version.
	Image string
	// Module is the directory of the Go module to be built in it: the
	// modules it needs are put in the image's module cache, which is the
	// only source of modules there (GOPROXY=off).
	Module string
}

// MakeGoStandIn builds, in b's store, an image that can stand in for the
// official Go image in a Dockerfile's build stage when no registry is
// reachable: the local Go toolchain at /usr/local/go, a module cache at
// /go/pkg/mod holding the download cache of every module spec.Module needs
// (`go mod download`, offline: GOPROXY=off), the local CA certificates at
// /etc/ssl/certs/ca-certificates.crt, and /bin/sh (the local one and its
// shared libraries) for RUN lines. Its environment is the official image's
// (PATH, GOPATH=/go, GOTOOLCHAIN=local) plus HOME=/root and GOPROXY=off.
// It returns the image's full name (docker.io/library/golang:1.26-bookworm).
func (b *Buildah) MakeGoStandIn(ctx context.Context, spec GoStandIn) (string, error) {
	name, err := dockerHubName(spec.Image)
	if err != nil {
		return "", err
	}
	goenv, err := goEnv(ctx, "GOROOT", "GOVERSION", "GOMODCACHE", "GOPROXY")
	if err != nil {
		return "", err
	}
	repo, tag, _ := strings.Cut(strings.TrimPrefix(name, "docker.io/library/"), ":")
	minor, _, _ := strings.Cut(tag, "-")
	if repo != "golang" || !strings.HasPrefix(goenv["GOVERSION"]+".", "go"+minor+".") {
		return "", fmt.Errorf("no stand-in for %s: the local Go is %s (want golang:<major.minor>[-variant] matching it)", spec.Image, goenv["GOVERSION"])
	}

	// Module cache: download into a cache of our own, reading the
	// machine's download cache first and the configured proxy second, then
	// keep only cache/download (the zips), which `go mod download` in the
	// image unpacks without a network.
	modcache := filepath.Join(b.Dir, "gomodcache")
	proxy := "file://" + filepath.Join(goenv["GOMODCACHE"], "cache", "download")
	if p := goenv["GOPROXY"]; p != "" && p != "off" {
		proxy += "," + p
	}
	download := exec.CommandContext(ctx, "go", "mod", "download")
	download.Dir = spec.Module
	download.Env = append(os.Environ(), "GOMODCACHE="+modcache, "GOPROXY="+proxy, "GOWORK=off",
		"GOFLAGS="+strings.TrimSpace(os.Getenv("GOFLAGS")+" -modcacherw"))
	if out, err := download.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go mod download (GOPROXY=%s): %w\n%s", proxy, err, out)
	}

	skel := filepath.Join(b.Dir, "standin-rootfs")
	if err := goStandInRootfs(ctx, skel); err != nil {
		return "", err
	}

	ctr, err := b.Run(ctx, "from", "--pull=never", "scratch")
	if err != nil {
		return "", err
	}
	ctr = strings.TrimSpace(ctr)
	steps := [][]string{
		{"copy", ctr, skel, "/"},
		{"copy", ctr, goenv["GOROOT"], "/usr/local/go"},
		{"copy", ctr, filepath.Join(modcache, "cache", "download"), "/go/pkg/mod/cache/download"},
		{"config",
			"--env", "PATH=/go/bin:/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
			"--env", "GOLANG_VERSION=" + strings.TrimPrefix(goenv["GOVERSION"], "go"),
			"--env", "GOTOOLCHAIN=local",
			"--env", "GOPATH=/go",
			"--env", "HOME=/root",
			"--env", "GOPROXY=off",
			"--workingdir", "/go",
			"--os", "linux", "--arch", runtime.GOARCH,
			"--label", "firsthop.e2e.stand-in=true",
			ctr},
		{"commit", "--quiet", "--rm", ctr, name},
	}
	for _, args := range steps {
		if _, err := b.Run(ctx, args...); err != nil {
			return "", err
		}
	}
	return name, nil
}

// goStandInRootfs fills dir with what the stand-in Go image needs besides
// the toolchain and the modules: /tmp, /root, the CA certificates, and
// /bin/sh with the shared libraries it loads.
func goStandInRootfs(ctx context.Context, dir string) error {
	for _, d := range []struct {
		path string
		mode os.FileMode
	}{{"tmp", 0o1777}, {"root", 0o700}, {"etc/ssl/certs", 0o755}, {"bin", 0o755}} {
		p := filepath.Join(dir, d.path)
		if err := os.MkdirAll(p, 0o755); err != nil {
			return err
		}
		if err := os.Chmod(p, d.mode); err != nil {
			return err
		}
	}
	const caBundle = "/etc/ssl/certs/ca-certificates.crt"
	if err := copyFile(caBundle, filepath.Join(dir, caBundle)); err != nil {
		return fmt.Errorf("CA certificates (Debian package ca-certificates): %w", err)
	}
	sh, err := filepath.EvalSymlinks("/bin/sh")
	if err != nil {
		return err
	}
	if err := copyFile(sh, filepath.Join(dir, "bin/sh")); err != nil {
		return err
	}
	libs, err := sharedLibraries(ctx, sh)
	if err != nil {
		return err
	}
	for _, lib := range libs {
		if err := copyFile(lib, filepath.Join(dir, lib)); err != nil {
			return err
		}
	}
	return nil
}

// sharedLibraries returns the absolute paths of the shared libraries and
// the ELF interpreter that ldd lists for program; none for a static one.
func sharedLibraries(ctx context.Context, program string) ([]string, error) {
	out, err := exec.CommandContext(ctx, "ldd", program).CombinedOutput()
	if err != nil {
		if strings.Contains(string(out), "not a dynamic executable") {
			return nil, nil
		}
		return nil, fmt.Errorf("ldd %s: %w\n%s", program, err, out)
	}
	var libs []string
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	for sc.Scan() {
		// "libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x...)",
		// "/lib64/ld-linux-x86-64.so.2 (0x...)", "linux-vdso.so.1 (0x...)"
		for _, f := range strings.Fields(sc.Text()) {
			if strings.HasPrefix(f, "/") {
				libs = append(libs, f)
			}
		}
	}
	return libs, sc.Err()
}

// copyFile copies the contents and permission bits of src (following
// symbolic links) to dst, creating dst's directory.
func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	fi, err := in.Stat()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, fi.Mode().Perm())
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// goEnv returns the local `go env` values of names.
func goEnv(ctx context.Context, names ...string) (map[string]string, error) {
	out, err := exec.CommandContext(ctx, "go", append([]string{"env"}, names...)...).Output()
	if err != nil {
		return nil, fmt.Errorf("go env: %w", err)
	}
	lines := strings.Split(strings.TrimRight(string(out), "\n"), "\n")
	if len(lines) != len(names) {
		return nil, fmt.Errorf("go env %v: got %d lines", names, len(lines))
	}
	env := make(map[string]string, len(names))
	for i, n := range names {
		env[n] = lines[i]
	}
	return env, nil
}

// dockerHubName returns the fully qualified name Docker gives an image
// reference: "golang:1.26" is "docker.io/library/golang:1.26". A reference
// without a tag, or with a digest, is an error: the stand-in needs a tag.
func dockerHubName(ref string) (string, error) {
	if strings.Contains(ref, "@") || strings.Contains(ref, "$") {
		return "", fmt.Errorf("image reference %q: want a literal name:tag", ref)
	}
	name, tag, ok := strings.Cut(ref, ":")
	if !ok || tag == "" || strings.Contains(tag, "/") {
		return "", fmt.Errorf("image reference %q has no tag", ref)
	}
	first, _, hasSlash := strings.Cut(name, "/")
	switch {
	case !hasSlash:
		name = "docker.io/library/" + name
	case !strings.ContainsAny(first, ".:") && first != "localhost":
		name = "docker.io/" + name
	}
	return name + ":" + tag, nil
}

// DockerfileBases returns the external images the FROM lines of a
// Dockerfile name, in order, leaving out scratch and earlier stages.
func DockerfileBases(dockerfile string) ([]string, error) {
	text, err := os.ReadFile(dockerfile)
	if err != nil {
		return nil, err
	}
	stages := map[string]bool{}
	var bases []string
	for _, line := range strings.Split(string(text), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 || !strings.EqualFold(f[0], "FROM") {
			continue
		}
		f = f[1:]
		for len(f) > 0 && strings.HasPrefix(f[0], "--") {
			f = f[1:]
		}
		if len(f) == 0 {
			return nil, fmt.Errorf("%s: FROM without an image: %q", dockerfile, line)
		}
		image := f[0]
		if image != "scratch" && !stages[strings.ToLower(image)] {
			bases = append(bases, image)
		}
		if len(f) == 3 && strings.EqualFold(f[1], "AS") {
			stages[strings.ToLower(f[2])] = true
		}
	}
	return bases, nil
}

// mountsUnder returns the mount points below dir, from
// /proc/self/mountinfo.
func mountsUnder(dir string) []string {
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return nil
	}
	var out []string
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) > 4 && strings.HasPrefix(f[4], dir+"/") {
			out = append(out, f[4])
		}
	}
	return out
}
