package stack

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ecpa-lifelong/backoffice/shared/export"
	"github.com/ecpa-lifelong/backoffice/shared/lambdafn"
	"github.com/ecpa-lifelong/backoffice/shared/lambdafn/reportfn"
	"github.com/ecpa-lifelong/backoffice/shared/report"
)

// Every report's export request takes the same body.
func init() {
	for _, d := range reportfn.Definitions(lambdafn.Core{}) {
		bodies["POST /api/exports/"+d.ID] = body{export.RequestInput{}, reportExample(d)}
	}
}

func reportExample(d report.Definition) string {
	params := map[string]string{}
	for _, p := range d.AllParams() {
		if p.Kind == report.Year {
			params[p.Key] = "2026"
		}
	}
	b, _ := json.Marshal(map[string]any{"format": "xlsx", "params": params})
	return string(b)
}

// reportOperations are the OpenAPI operations of every report, generated
// from its definition: its rows (with its parameters), its export request
// and its export list, tagged with its feature ID.
func reportOperations() map[string]map[string]any {
	errResp := map[string]any{"200": map[string]any{"description": "成功"}, "default": map[string]any{"description": "錯誤",
		"content": map[string]any{"application/json": map[string]any{"schema": map[string]any{"$ref": "#/components/schemas/Error"}}}}}
	out := map[string]map[string]any{}
	for _, d := range reportfn.Definitions(lambdafn.Core{}) {
		var params []any
		for _, p := range d.AllParams() {
			schema := map[string]any{"type": "string", "maxLength": paramMax("query", p.Key)}
			switch p.Kind {
			case report.Select:
				var enum []string
				for _, o := range p.Options {
					enum = append(enum, o.Value)
				}
				schema["enum"] = enum
			case report.Year:
				schema["pattern"] = `^[0-9]{4}$`
			case report.Date:
				schema["pattern"] = `^[0-9]{4}-[0-9]{2}-[0-9]{2}$`
			case report.Check:
				schema["enum"] = []string{"1"}
			}
			desc := p.Label
			if p.Kind == report.Text && p.Max > 0 {
				desc += "（至多 " + itoa(p.Max) + " 字）"
			}
			params = append(params, map[string]any{"name": p.Key, "in": "query", "required": p.Required, "schema": schema, "description": desc})
		}
		params = append(params,
			map[string]any{"name": "limit", "in": "query", "required": false, "schema": map[string]any{"type": "string", "maxLength": paramMax("query", "limit")}, "description": "每頁筆數（1–200，預設 50）"},
			map[string]any{"name": "next", "in": "query", "required": false, "schema": map[string]any{"type": "string", "maxLength": paramMax("query", "next")}, "description": "分頁游標"})
		id := strings.ReplaceAll(strings.ToLower(d.ID), "-", "_")
		tags := []string{"ReportsFunction", d.Feature}
		out["/api/reports/"+d.ID] = map[string]any{"get": map[string]any{"summary": d.Name + "（報表）", "operationId": "get_api_reports_" + id,
			"tags": tags, "parameters": params, "responses": errResp}}
		var example any
		_ = json.Unmarshal([]byte(reportExample(d)), &example)
		out["/api/exports/"+d.ID] = map[string]any{
			"post": map[string]any{"summary": "匯出：" + d.Name + "（建立匯出工作，於背景產製 Excel/ODF 密碼壓縮檔）", "operationId": "post_api_exports_" + id,
				"tags": []string{"ExportsFunction", d.Feature}, "responses": errResp, "requestBody": map[string]any{"required": true,
					"content": map[string]any{"application/json": map[string]any{"schema": map[string]any{}, "example": example}}}},
			"get": map[string]any{"summary": "我的匯出申請：" + d.Name, "operationId": "get_api_exports_" + id,
				"tags": []string{"ExportsFunction", d.Feature}, "responses": errResp}}
	}
	out["/api/reports"] = map[string]any{"get": map[string]any{"summary": "我可使用的報表（定義：條件、欄位）", "operationId": "get_api_reports",
		"tags": []string{"ReportsFunction"}, "responses": errResp}}
	return out
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

// The report operations of openapi.json are generated from the definitions
// (go test ./infra/local/stack -run OpenAPI -update-openapi rewrites them;
// the request bodies are then filled by TestOpenAPIBodiesAreTheInputTypes).
func TestOpenAPIReportsAreTheDefinitions(t *testing.T) {
	path := filepath.Join(repoRoot(), "shared", "openapi", "openapi.json")
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := decodeOrdered(raw)
	if err != nil {
		t.Fatal(err)
	}
	paths := doc.(object).get("paths").(object)
	changed := false
	for p, ops := range reportOperations() {
		b, _ := json.Marshal(ops)
		want, _ := decodeOrdered(b)
		got := paths.get(p)
		if got != nil {
			// the request body is the bodies test's: compare the rest
			if canonical(withoutBody(got)) == canonical(withoutBody(want)) {
				continue
			}
		}
		if !*updateOpenAPI {
			t.Errorf("%s in openapi.json is not its report definition; run go test ./infra/local/stack -run OpenAPI -update-openapi", p)
			continue
		}
		paths.set(p, want)
		changed = true
	}
	if changed {
		top := doc.(object)
		top.set("paths", paths)
		writeDocument(t, path, top)
		t.Log("openapi.json rewritten: run the test again for the request bodies")
	}
}

// withoutBody is an operation tree without its request body schemas.
func withoutBody(v any) any {
	var plain map[string]map[string]any
	if err := json.Unmarshal([]byte(canonical(v)), &plain); err != nil {
		return v
	}
	for _, op := range plain {
		delete(op, "requestBody")
	}
	return plain
}
