// Package openapi holds the OpenAPI document the API serves at
// /api/openapi.json. It is written by hand; a test compares it with the
// routes every function registers, so the two cannot drift apart.
package openapi

import (
	_ "embed"
	"encoding/json"
	"sort"
	"strings"
)

//go:embed openapi.json
var Document []byte

// Operations returns "METHOD /path" for every operation in the document.
func Operations() ([]string, error) {
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(Document, &doc); err != nil {
		return nil, err
	}
	var out []string
	for p, ops := range doc.Paths {
		for m := range ops {
			out = append(out, strings.ToUpper(m)+" "+p)
		}
	}
	sort.Strings(out)
	return out, nil
}
