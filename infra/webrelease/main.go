// Command webrelease lays out the front end for the site bucket so that an
// officer never runs a mix of two deploys: every file of web/ goes under
// v/<content hash>/ (cached for a year, never overwritten), and index.html,
// the one file fetched fresh on every visit, names that version. The modules
// import each other by relative paths, so a page loaded from one version
// reads only that version's files, even while the next deploy is uploaded.
//
//	go run ./infra/webrelease -src web -out build/site   (make deploy-web)
package main

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "webrelease:", err)
		os.Exit(1)
	}
}

func run(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("webrelease", flag.ContinueOnError)
	src := fs.String("src", "web", "the front end's folder")
	dst := fs.String("out", "build/site", "where to lay out the release (must not exist or be empty)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	version, err := Release(*src, *dst)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "%s: index.html → v/%s/\n", *dst, version)
	return nil
}

// skipped are the parts of web/ that are not the site: the browser tests.
func skipped(rel string) bool {
	return rel == "e2e" || strings.HasPrefix(rel, "e2e/") || strings.Contains(rel, "node_modules")
}

// Release writes dst/index.html and dst/v/<version>/… from src and returns
// the version: the first 12 hex digits of a SHA-256 over every file's path
// and content, so the same tree always gives the same version.
func Release(src, dst string) (string, error) {
	var files []string
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		rel = filepath.ToSlash(rel)
		if rel != "." && skipped(rel) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.IsDir() {
			files = append(files, rel)
		}
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("read %s: %w", src, err)
	}
	sort.Strings(files)
	h := sha256.New()
	for _, f := range files {
		b, err := os.ReadFile(filepath.Join(src, f))
		if err != nil {
			return "", err
		}
		fmt.Fprintf(h, "%s\x00%d\x00", f, len(b))
		h.Write(b)
	}
	version := hex.EncodeToString(h.Sum(nil))[:12]
	if entries, err := os.ReadDir(dst); err == nil && len(entries) > 0 {
		return "", fmt.Errorf("%s is not empty", dst)
	}
	index := ""
	for _, f := range files {
		b, err := os.ReadFile(filepath.Join(src, f))
		if err != nil {
			return "", err
		}
		if f == "index.html" {
			index = string(b)
			continue
		}
		target := filepath.Join(dst, "v", version, filepath.FromSlash(f))
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			return "", err
		}
		if err := os.WriteFile(target, b, 0o644); err != nil {
			return "", err
		}
	}
	if index == "" {
		return "", errors.New("no index.html in " + src)
	}
	rewritten, err := Versioned(index, version, func(rel string) bool {
		_, err := os.Stat(filepath.Join(src, filepath.FromSlash(rel)))
		return err == nil
	})
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return "", err
	}
	return version, os.WriteFile(filepath.Join(dst, "index.html"), []byte(rewritten), 0o644)
}

var attrRe = regexp.MustCompile(`\b(href|src)="([^"]*)"`)

// Versioned points every relative href and src of index.html at v/<version>/.
// Fragments (#main), absolute URLs and root paths are left alone; a relative
// reference to a file that does not exist is an error, not a broken page.
func Versioned(index, version string, exists func(rel string) bool) (string, error) {
	var bad []string
	out := attrRe.ReplaceAllStringFunc(index, func(m string) string {
		sub := attrRe.FindStringSubmatch(m)
		ref := sub[2]
		if ref == "" || strings.HasPrefix(ref, "#") || strings.HasPrefix(ref, "/") || strings.Contains(ref, ":") {
			return m
		}
		clean := path.Clean(ref)
		if strings.HasPrefix(clean, "..") || !exists(clean) {
			bad = append(bad, ref)
			return m
		}
		return sub[1] + `="v/` + version + "/" + clean + `"`
	})
	if len(bad) > 0 {
		return "", fmt.Errorf("index.html names files that are not in the release: %s", strings.Join(bad, ", "))
	}
	return out, nil
}
