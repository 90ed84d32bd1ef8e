// Package ddblocal fetches, starts and stops the official DynamoDB Local.
//
// It comes from the npm package amplify-dynamodb-simulator at a pinned
// version (only that tarball, none of its dependencies), checked against a
// pinned SHA-256, unpacked once into a cache outside the repository. The
// Java process runs in its own process group and dies with its parent
// (Pdeathsig on Linux), so Ctrl-C, a failed test or a killed parent leaves
// no java process behind.
package ddblocal

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Pinned release: DynamoDB Local 1.25.1 inside the npm tarball.
const (
	Package = "amplify-dynamodb-simulator"
	Version = "2.9.30"
	SHA256  = "3503ffac19f183407909fecdacf4db51ab1fdad1da7b2f177016670b2d80e4b9"
)

// CacheDir is where the unpacked emulator lives: $LIFELONG_CACHE, else the
// user cache directory (~/.cache/lifelong-backoffice).
func CacheDir() (string, error) {
	if d := os.Getenv("LIFELONG_CACHE"); d != "" {
		return d, nil
	}
	base, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("no cache directory (set LIFELONG_CACHE): %w", err)
	}
	return filepath.Join(base, "lifelong-backoffice"), nil
}

// Fetch makes sure the emulator is unpacked and returns its directory (the
// one holding DynamoDBLocal.jar). Concurrent callers wait on a file lock.
func Fetch(ctx context.Context, logw io.Writer) (string, error) {
	cache, err := CacheDir()
	if err != nil {
		return "", err
	}
	dir := filepath.Join(cache, "dynamodb-local-"+Version)
	jar := filepath.Join(dir, "DynamoDBLocal.jar")
	if _, err := os.Stat(jar); err == nil {
		return dir, nil
	}
	if err := os.MkdirAll(cache, 0o755); err != nil {
		return "", err
	}
	unlock, err := lockFile(filepath.Join(cache, ".lock"))
	if err != nil {
		return "", err
	}
	defer unlock()
	if _, err := os.Stat(jar); err == nil { // another process finished meanwhile
		return dir, nil
	}
	if _, err := exec.LookPath("npm"); err != nil {
		return "", errors.New("npm is needed once to fetch DynamoDB Local (install Node.js 18+)")
	}
	tmp, err := os.MkdirTemp(cache, "fetch-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	fmt.Fprintf(logw, "fetching DynamoDB Local (npm pack %s@%s, 57 MB, once)...\n", Package, Version)
	cmd := exec.CommandContext(ctx, "npm", "pack", Package+"@"+Version, "--pack-destination", tmp, "--silent")
	cmd.Stdout, cmd.Stderr = io.Discard, logw
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("npm pack %s@%s: %w", Package, Version, err)
	}
	tgz := filepath.Join(tmp, Package+"-"+Version+".tgz")
	if err := verify(tgz); err != nil {
		return "", err
	}
	staging := filepath.Join(tmp, "emulator")
	if err := unpack(tgz, "package/emulator/", staging); err != nil {
		return "", fmt.Errorf("unpack %s: %w", tgz, err)
	}
	if err := os.Rename(staging, dir); err != nil {
		return "", err
	}
	return dir, nil
}

func verify(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return err
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != SHA256 {
		return fmt.Errorf("checksum mismatch for %s: got %s, want %s (refusing to run it)", filepath.Base(path), got, SHA256)
	}
	return nil
}

func unpack(tgz, prefix, dst string) error {
	f, err := os.Open(tgz)
	if err != nil {
		return err
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		return err
	}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if !strings.HasPrefix(h.Name, prefix) || h.Typeflag != tar.TypeReg {
			continue
		}
		rel := strings.TrimPrefix(h.Name, prefix)
		if strings.Contains(rel, "..") {
			return fmt.Errorf("unsafe path %q in archive", h.Name)
		}
		out := filepath.Join(dst, rel)
		if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
			return err
		}
		w, err := os.OpenFile(out, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
		if err != nil {
			return err
		}
		if _, err := io.Copy(w, tr); err != nil {
			w.Close()
			return err
		}
		if err := w.Close(); err != nil {
			return err
		}
	}
}

// Options choose how the emulator runs.
type Options struct {
	DataDir string    // empty: in memory; else persisted there (-sharedDb)
	Port    int       // 0: a free port
	Log     io.Writer // the emulator's own output; nil discards it
}

// Instance is a running DynamoDB Local.
type Instance struct {
	Endpoint string
	cmd      *exec.Cmd
	done     chan error
	stop     sync.Once
	out      *tailBuffer
}

// Start fetches (if needed) and starts the emulator and waits until it answers.
func Start(ctx context.Context, opts Options) (*Instance, error) {
	if _, err := exec.LookPath("java"); err != nil {
		return nil, errors.New("java is needed to run DynamoDB Local (install Java 17, e.g. apt-get install openjdk-17-jre-headless)")
	}
	// Keep the emulator's last output, so a failed start says why.
	tail := &tailBuffer{max: 4096}
	logw := io.Writer(tail)
	if opts.Log != nil {
		logw = io.MultiWriter(opts.Log, tail)
	}
	dir, err := Fetch(ctx, os.Stderr)
	if err != nil {
		return nil, err
	}
	port := opts.Port
	if port == 0 {
		if port, err = freePort(); err != nil {
			return nil, err
		}
	}
	args := []string{"-Djava.library.path=" + filepath.Join(dir, "DynamoDBLocal_lib"), "-Xms256m",
		"-jar", filepath.Join(dir, "DynamoDBLocal.jar"), "-port", fmt.Sprint(port), "-disableTelemetry"}
	if opts.DataDir == "" {
		args = append(args, "-inMemory")
	} else {
		// java runs in the emulator's folder: the data folder must be absolute.
		data, err := filepath.Abs(opts.DataDir)
		if err != nil {
			return nil, err
		}
		if err := os.MkdirAll(data, 0o755); err != nil {
			return nil, err
		}
		args = append(args, "-sharedDb", "-dbPath", data)
	}
	cmd := exec.Command("java", args...)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = logw, logw
	cmd.SysProcAttr = procAttr()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start DynamoDB Local: %w", err)
	}
	in := &Instance{Endpoint: fmt.Sprintf("http://127.0.0.1:%d", port), cmd: cmd, done: make(chan error, 1), out: tail}
	go func() { in.done <- cmd.Wait() }()
	if err := in.wait(ctx, 60*time.Second); err != nil {
		in.Stop()
		return nil, err
	}
	return in, nil
}

// wait polls until the emulator answers an HTTP request.
func (in *Instance) wait(ctx context.Context, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	client := &http.Client{Timeout: time.Second}
	for time.Now().Before(deadline) {
		select {
		case err := <-in.done:
			in.done <- err
			return fmt.Errorf("DynamoDB Local exited during start-up (%v; is port %s taken?):\n%s",
				err, in.Endpoint[strings.LastIndex(in.Endpoint, ":")+1:], in.out)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(150 * time.Millisecond):
		}
		resp, err := client.Get(in.Endpoint)
		if err == nil {
			resp.Body.Close()
			return nil // any HTTP answer (400 for a bare GET) means it is serving
		}
	}
	return fmt.Errorf("DynamoDB Local did not answer on %s within %s", in.Endpoint, limit)
}

// Stop ends the emulator (its whole process group), politely then firmly.
// Calling it again does nothing.
func (in *Instance) Stop() {
	if in == nil || in.cmd.Process == nil {
		return
	}
	in.stop.Do(func() {
		pgid := in.cmd.Process.Pid
		_ = syscall.Kill(-pgid, syscall.SIGTERM)
		select {
		case <-in.done:
		case <-time.After(5 * time.Second):
			_ = syscall.Kill(-pgid, syscall.SIGKILL)
			<-in.done
		}
	})
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func lockFile(path string) (func(), error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, err
	}
	return func() { _ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN); f.Close() }, nil
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	b   []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if len(t.b) > t.max {
		t.b = t.b[len(t.b)-t.max:]
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.b)
}
