package stack

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/ecpa-lifelong/backoffice/shared/openapi"
)

// The routers and the OpenAPI document list the same operations, and every
// route a router serves reaches that function through the template's routes.
func TestRoutersMatchOpenAPIAndTemplate(t *testing.T) {
	tpl := loadTemplate(t)
	routes := tpl.Routes()
	var served []string
	for fn := range Routers {
		for _, p := range Served(fn) {
			served = append(served, p)
			method, path, _ := strings.Cut(p, " ")
			concrete := regexp.MustCompile(`\{[^}]+\}`).ReplaceAllString(path, "x")
			r, _, ok := Match(routes, method, concrete)
			if !ok || r.Function != fn {
				t.Errorf("%s serves %s, but the template routes it to %q", fn, p, r.Function)
			}
		}
	}
	for id, f := range tpl.Functions {
		if len(f.Routes) > 0 && Routers[id] == nil {
			t.Errorf("template function %s has HTTP routes but this test knows no router for it", id)
		}
	}
	doc, err := openapi.Operations()
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(served)
	for _, op := range served {
		if !slices.Contains(doc, op) {
			t.Errorf("served but not in openapi.json: %s", op)
		}
	}
	for _, op := range doc {
		if !slices.Contains(served, op) {
			t.Errorf("in openapi.json but served by no router: %s", op)
		}
	}
}
