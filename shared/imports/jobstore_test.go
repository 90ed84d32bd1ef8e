package imports

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
)

// Job items are written only by the job store (Jobs, in job.go): no other
// file of the package reaches through a Jobs value to its table or its
// database, so every write of a job item keeps the store's conditions.
func TestOnlyTheJobStoreTouchesJobItems(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, name := range files {
		if name == "job.go" || strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			sel, ok := n.(*ast.SelectorExpr)
			if !ok || (sel.Sel.Name != "Table" && sel.Sel.Name != "DB") {
				return true
			}
			if inner, ok := sel.X.(*ast.SelectorExpr); ok && inner.Sel.Name == "Jobs" {
				t.Errorf("%s: %s.%s: write job items through the job store's methods (job.go)", fset.Position(sel.Pos()), "Jobs", sel.Sel.Name)
			}
			return true
		})
	}
}
