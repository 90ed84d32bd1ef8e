package main

import (
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// importRe finds module specifiers: `import … from '…'` and `export … from
// '…'` statements (possibly over several lines), `import '…'`, and `import('…')`.
var importRe = regexp.MustCompile(`(?m)(?:^\s*(?:import|export)\b[^;'"]*?\bfrom\s*|^\s*import\s*|\bimport\(\s*)['"]([^'"]+)['"]`)

// The release of the real web/: index.html names only files of its version,
// and every module those import, statically or on demand, is in the same
// version, so a page can never load a file of another deploy.
func TestReleaseOfWeb(t *testing.T) {
	dst := filepath.Join(t.TempDir(), "site")
	version, err := Release(filepath.Join("..", "..", "web"), dst)
	if err != nil {
		t.Fatal(err)
	}
	index, err := os.ReadFile(filepath.Join(dst, "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	refs := attrRe.FindAllStringSubmatch(string(index), -1)
	named := 0
	for _, m := range refs {
		ref := m[2]
		if strings.HasPrefix(ref, "#") {
			continue
		}
		if !strings.HasPrefix(ref, "v/"+version+"/") {
			t.Errorf("index.html names %q outside v/%s/", ref, version)
			continue
		}
		if _, err := os.Stat(filepath.Join(dst, filepath.FromSlash(ref))); err != nil {
			t.Errorf("index.html names %q, not in the release", ref)
		}
		named++
	}
	if named < 3 { // the icon, the style sheet, the app
		t.Fatalf("index.html names %d files: %s", named, index)
	}
	root := filepath.Join(dst, "v", version)
	modules, imports := 0, 0
	err = filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".js") || strings.Contains(p, "vendor") {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		modules++
		for _, m := range importRe.FindAllStringSubmatch(string(b), -1) {
			spec := m[1]
			imports++
			if !strings.HasPrefix(spec, ".") {
				t.Errorf("%s imports %q: not a relative path, so not pinned to its version", p, spec)
				continue
			}
			target := filepath.Join(filepath.Dir(p), filepath.FromSlash(spec))
			if rel, _ := filepath.Rel(root, target); strings.HasPrefix(rel, "..") {
				t.Errorf("%s imports %q outside its version", p, spec)
			} else if _, err := os.Stat(target); err != nil {
				t.Errorf("%s imports %q: not in the release", p, spec)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if modules < 10 || imports < modules {
		t.Fatalf("%d modules, %d imports found in the release", modules, imports)
	}
	if _, err := os.Stat(filepath.Join(root, "e2e")); err == nil {
		t.Error("the browser tests were released")
	}
}

// The version is the content: the same tree gives the same version, one
// changed byte another.
func TestVersionFollowsContent(t *testing.T) {
	src := t.TempDir()
	write := func(rel, body string) {
		p := filepath.Join(src, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("index.html", `<link rel="stylesheet" href="style.css"><script type="module" src="js/app.js"></script><a href="#main">x</a>`)
	write("style.css", "body{}")
	write("js/app.js", "import './api.js';")
	write("js/api.js", "export {};")
	release := func() string {
		v, err := Release(src, filepath.Join(t.TempDir(), "out"))
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	a, b := release(), release()
	write("js/api.js", "export { };")
	c := release()
	if a != b || a == c {
		t.Fatalf("versions %s, %s (same tree), %s (one file changed)", a, b, c)
	}
}

func TestVersionedRefusesMissingFiles(t *testing.T) {
	for _, tc := range []struct {
		index, want string
		ok          bool
	}{
		{`<script src="js/app.js"></script>`, `<script src="v/abc/js/app.js"></script>`, true},
		{`<a href="#main">跳到</a><a href="https://e.gov.tw/">x</a>`, `<a href="#main">跳到</a><a href="https://e.gov.tw/">x</a>`, true},
		{`<script src="js/gone.js"></script>`, "", false},
		{`<script src="../secret.js"></script>`, "", false},
	} {
		got, err := Versioned(tc.index, "abc", func(rel string) bool { return path.Base(rel) == "app.js" })
		if (err == nil) != tc.ok || (tc.ok && got != tc.want) {
			t.Errorf("%s: got %q, %v", tc.index, got, err)
		}
	}
}
