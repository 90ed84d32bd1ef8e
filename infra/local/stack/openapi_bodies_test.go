package stack

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/ecpa-lifelong/backoffice/shared/account"
	"github.com/ecpa-lifelong/backoffice/shared/catalog"
	"github.com/ecpa-lifelong/backoffice/shared/correction"
	"github.com/ecpa-lifelong/backoffice/shared/enrollment"
	"github.com/ecpa-lifelong/backoffice/shared/export"
	"github.com/ecpa-lifelong/backoffice/shared/gendersurvey"
	"github.com/ecpa-lifelong/backoffice/shared/home"
	"github.com/ecpa-lifelong/backoffice/shared/hoursfeed"
	"github.com/ecpa-lifelong/backoffice/shared/hoursmaint"
	"github.com/ecpa-lifelong/backoffice/shared/httpapi"
	"github.com/ecpa-lifelong/backoffice/shared/imports"
	"github.com/ecpa-lifelong/backoffice/shared/limits"
	"github.com/ecpa-lifelong/backoffice/shared/openapi"
	"github.com/ecpa-lifelong/backoffice/shared/personnelfeed"
	"github.com/ecpa-lifelong/backoffice/shared/relevance"
	"github.com/ecpa-lifelong/backoffice/shared/review"
	"github.com/ecpa-lifelong/backoffice/shared/statistics"
)

var updateOpenAPI = flag.Bool("update-openapi", false, "rewrite the request bodies of shared/openapi/openapi.json from the input types")

// body is what an operation's handler decodes, and a valid example of it
// (the API fuzz test starts from the example and spoils one field at a time).
type body struct {
	in      any
	example string
}

var course = `{"courseCode":"FUZZ-1","session":"1","name":"資訊安全研習班","category":"3111","nature":"physical","method":"open",` +
	`"start":"2026-12-20","end":"2026-12-21","unit":"hour","amount":6,"enrollStart":"2026-12-01","enrollEnd":"2026-12-10",` +
	`"capacity":40,"stopWhenFull":true,"fee":0,"restriction":"301*","survey":["meals"],"subjects":["資訊安全"],` +
	`"lecturers":[{"id":"","name":"王講師"}],"location":"臺北市中正區","city":"A","updated":"2026-01-01T00:00:00Z"}`

// bodies lists the request body of every operation that has one.
var bodies = map[string]body{
	"POST /api/auth/stats/login":                        {account.LoginRequest{}, `{"username":"stats.moi","password":"Demo-Stats-2026!"}`},
	"PUT /api/auth/stats/password":                      {account.PasswordRequest{}, `{"current":"Demo-Stats-2026!","new":"Another-Pass-2027!"}`},
	"PUT /api/me/agency":                                {account.SwitchRequest{}, `{"agency":"301000000A"}`},
	"POST /api/members":                                 {account.MemberInput{}, `{"id":"fuzz.member","name":"林新人","email":"new@moi.gov.tw","title":"科員","agency":"301000000A","serves":[],"grants":{"301000000A":["L2"]}}`},
	"PUT /api/members/{id}":                             {account.MemberInput{}, `{"id":"moi.course","name":"陳開課","email":"","title":"專員","agency":"301000000A","serves":[],"grants":{"301000000A":["L2","L5"]}}`},
	"POST /api/home/manual/upload-url":                  {home.ManualUpload{}, `{"filename":"manual.pdf","version":"115.01"}`},
	"PUT /api/home/manual":                              {home.ManualPublish{}, `{"filename":"manual.pdf","version":"115.01","key":"manual/0123456789abcdef.pdf"}`},
	"POST /api/announcements":                           {home.AnnouncementInput{}, `{"title":"系統維護公告","body":"本週六停機維護。","backOffice":true,"frontStage":false,"publishAt":"2026-01-01T00:00:00Z","expiresAt":"2030-01-01T00:00:00Z"}`},
	"PUT /api/announcements/{id}":                       {home.AnnouncementInput{}, `{"title":"系統維護公告","body":"本週六停機維護。","backOffice":true,"frontStage":false,"publishAt":"2026-01-01T00:00:00Z","expiresAt":"2030-01-01T00:00:00Z"}`},
	"POST /api/exports/roster":                          {export.RequestInput{}, `{"format":"csv","params":{"courseCode":"FUZZ-1","session":"1","sort":"name"}}`},
	"POST /api/courses":                                 {catalog.CourseInput{}, course},
	"PUT /api/courses/{code}/{session}":                 {catalog.CourseInput{}, course},
	"POST /api/subjects":                                {catalog.SubjectInput{}, `{"name":"測試科目","category":"3111"}`},
	"POST /api/lecturers":                               {catalog.LecturerInput{}, `{"name":"王大明","title":"教授","education":"博士","experience":"資安顧問","expertise":[],"subjects":["資訊安全"],"public":true,"note":"","nationalId":"","phone":"02-1234-5678","email":"wang@example.org","address":"臺北市","updated":"2026-01-01T00:00:00Z"}`},
	"PUT /api/lecturers/{id}":                           {catalog.LecturerInput{}, `{"name":"王大明","title":"教授","education":"博士","experience":"資安顧問","expertise":[],"subjects":["資訊安全"],"public":true,"note":"","nationalId":"","phone":"02-1234-5678","email":"wang@example.org","address":"臺北市","updated":"2026-01-01T00:00:00Z"}`},
	"POST /api/materials":                               {catalog.MaterialInput{}, `{"name":"資安入門","category":"3111","hours":2,"url":"https://example.org/m","published":"2026-01-01","audience":"全體同仁","summary":"簡介","contact":"02-1234-5678","updated":"2026-01-01T00:00:00Z"}`},
	"PUT /api/materials/{id}":                           {catalog.MaterialInput{}, `{"name":"資安入門","category":"3111","hours":2,"url":"https://example.org/m","published":"2026-01-01","audience":"全體同仁","summary":"簡介","contact":"02-1234-5678","updated":"2026-01-01T00:00:00Z"}`},
	"POST /api/imports":                                 {imports.UploadRequest{}, `{"kind":"courses","fileName":"courses.csv","size":1000,"params":{}}`},
	"POST /api/imports/searches":                        {imports.SearchRequest{}, `{"from":"115/10/01","to":"115/10/31","kind":"hours-external","q":"A123456789"}`},
	"POST /api/imports/jobs/{id}/result":                {imports.ResultRequest{}, `{"failed":true}`},
	"POST /api/imports/personnel/plans/{id}/decision":   {personnelfeed.Decision{}, `{"confirm":true}`},
	"POST /api/front/enrollments/{code}/{session}":      {enrollment.EnrollInput{}, `{"answers":{"meals":"素食"}}`},
	"POST /api/enrollments/{code}/{session}/reject-all": {enrollment.RejectAllInput{}, `{"reason":"名額已滿，請報名下一期"}`},
	"POST /api/exports/courses":                         {export.RequestInput{}, `{"format":"xlsx","params":{"year":"2026","name":"資訊"}}`},
	"POST /api/enrollments/{code}/{session}/decisions":  {enrollment.DecisionsInput{}, `{"decisions":[{"personId":"p0000001","decision":"reject","reason":"名額已滿"}]}`},
	"PUT /api/class-hours/{code}/{session}":             {enrollment.GradesInput{}, `{"grades":[{"personId":"p0000001","hours":1,"passed":true}]}`},
	"POST /api/class-hours/{code}/{session}/delete":     {enrollment.DeleteGradesInput{}, `{"personIds":["p0000001"]}`},
	"POST /api/front/records":                           {review.ReportInput{}, `{"institution":"中國生產力中心","courseName":"專案管理實務","category":"511","start":"2026-03-02","end":"2026-03-03","hours":12,"nature":"blended","digitalHours":4,"physicalHours":8}`},
	"POST /api/reviews/decisions":                       {review.DecideInput{}, `{"decisions":[{"personId":"p0000001","year":2026,"id":"X#000001","result":"reject","relevant":true,"reason":"缺研習證明"}]}`},
	"PUT /api/corrections":                              {correction.Input{}, `{"changes":[{"personId":"p0000001","year":2026,"id":"X#000001","title":"T03","rank":"R05"}]}`},
	"PUT /api/learning-hours/external/{ref}":            {hoursmaint.EditInput{}, `{"stamp":"0@2026-03-02T01:00:00Z@","hours":6,"nature":"physical","passed":true}`},
	"POST /api/learning-hours/external/delete":          {hoursmaint.DeleteInput{}, `{"refs":["p0000001.2026.0123456789abcdef01234567"]}`},
	"PUT /api/learning-hours/study/{ref}":               {hoursmaint.EditInput{}, `{"stamp":"0@2026-03-02T01:00:00Z@","hours":6,"nature":"digital","passed":false}`},
	"POST /api/learning-hours/study/delete":             {hoursmaint.DeleteInput{}, `{"refs":["p0000001.2026.0123456789abcdef01234567"]}`},
	"PUT /api/business-categories":                      {relevance.Input{}, `{"categories":["111","132"],"updated":"0001-01-01T00:00:00Z"}`},
	"POST /api/statistics/recompute":                    {statistics.RecomputeInput{}, `{"year":2026}`},
	"POST /api/platform-clients":                        {hoursfeed.RegisterRequest{}, `{"name":"測試平臺","agency":"301000000A"}`},
	"POST /api/platform/records":                        {imports.BatchRequest{}, `{"batchId":"fuzz-1","records":[{"recordId":"r1","nationalId":"A123456789","name":"王小明","courseName":"資訊安全概論","start":"2026-10-01","end":"2026-10-01","category":"3111","total":2,"unit":"1","nature":"1"}]}`},
	"POST /api/platform/uploads":                        {imports.PlatformUploadRequest{}, `{"batchId":"fuzz-csv-1","size":1000}`},
	"PUT /api/gender-survey":                            {gendersurvey.Input{}, `{"agency":"301000000A","year":2026,"values":{"menStaff":10,"womenStaff":12,"menTrained":3,"womenTrained":5,"menHours":6,"womenHours":11},"note":"","updated":"0001-01-01T00:00:00Z"}`},
}

// The request body schema of every operation in openapi.json is generated
// from the Go type its handler decodes (field names, types, the maxLength of
// every string from shared/limits), with a valid example: the document
// cannot drift from what the API accepts. go test ./infra/local/stack -run
// OpenAPIBodies -update-openapi rewrites them.
func TestOpenAPIBodiesAreTheInputTypes(t *testing.T) {
	path := filepath.Join(repoRoot(), "shared", "openapi", "openapi.json")
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(raw, openapi.Document) {
		t.Fatal("openapi.json on disk differs from the embedded document")
	}
	doc, err := decodeOrdered(raw)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, p := range doc.(object).get("paths").(object) {
		for _, m := range p.Val.(object) {
			op := strings.ToUpper(m.Key) + " " + p.Key
			params, _ := m.Val.(object).get("parameters").([]any)
			for _, prm := range params {
				prm := prm.(object)
				schema := prm.get("schema").(object)
				want := json.Number(fmt.Sprint(paramMax(prm.get("in").(string), prm.get("name").(string))))
				if schema.get("maxLength") == want {
					continue
				}
				if !*updateOpenAPI {
					t.Errorf("%s: parameter %s has no maxLength %s; run go test ./infra/local/stack -run OpenAPIBodies -update-openapi", op, prm.get("name"), want)
					continue
				}
				schema.set("maxLength", want)
				prm.set("schema", schema)
			}
			rb := m.Val.(object).get("requestBody")
			if rb == nil {
				continue
			}
			seen[op] = true
			b, ok := bodies[op]
			if !ok {
				t.Errorf("%s has a request body this test does not know (add it to bodies)", op)
				continue
			}
			media := rb.(object).get("content").(object).get("application/json").(object)
			var example any
			if err := json.Unmarshal([]byte(b.example), &example); err != nil {
				t.Fatalf("%s example: %v", op, err)
			}
			want := object{{"schema", schemaOf(reflect.TypeOf(b.in), limits.Text, false)}, {"example", orderedExample(b.example)}}
			if canonical(media) == canonical(want) {
				continue
			}
			if *updateOpenAPI {
				media.set("schema", want.get("schema"))
				media.set("example", want.get("example"))
				content := rb.(object).get("content").(object)
				content.set("application/json", media)
				continue
			}
			t.Errorf("%s: the request body in openapi.json is not its input type; run go test ./infra/local/stack -run OpenAPIBodies -update-openapi", op)
		}
	}
	for op := range bodies {
		if !seen[op] {
			t.Errorf("%s: no request body in openapi.json", op)
		}
	}
	if *updateOpenAPI {
		writeDocument(t, path, doc)
	}
}

// writeDocument writes the OpenAPI document, indented, keys in their order.
func writeDocument(t *testing.T, path string, doc any) {
	t.Helper()
	var buf bytes.Buffer
	writeOrdered(&buf, doc)
	var out bytes.Buffer
	if err := json.Indent(&out, buf.Bytes(), "", " "); err != nil {
		t.Fatal(err)
	}
	out.WriteByte('\n')
	if err := os.WriteFile(path, out.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// paramMax is the limit httpapi.Serve enforces on a parameter.
func paramMax(in, name string) int {
	switch {
	case in == "path":
		return limits.ID
	case name == httpapi.CursorParam:
		return base64.RawURLEncoding.EncodedLen(limits.Cursor)
	}
	return limits.Query
}

func repoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "..")
}

var timeType = reflect.TypeOf(time.Time{})

// schemaOf is the OpenAPI 3.0 schema of what encoding/json and limits.Body
// accept for t; max and multiline are the string limit the enclosing field's
// tag gives.
func schemaOf(t reflect.Type, max int, multiline bool) object {
	switch {
	case t.Kind() == reflect.Pointer:
		return schemaOf(t.Elem(), max, multiline)
	case t == timeType:
		return object{{"type", "string"}, {"format", "date-time"}}
	}
	switch t.Kind() {
	case reflect.String:
		s := object{{"type", "string"}, {"maxLength", max}}
		if !multiline {
			s = append(s, member{"pattern", `^[^\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]*$`})
		}
		return s
	case reflect.Bool:
		return object{{"type", "boolean"}}
	case reflect.Int, reflect.Int64, reflect.Int32:
		return object{{"type", "integer"}}
	case reflect.Float64, reflect.Float32:
		return object{{"type", "number"}}
	case reflect.Slice:
		return object{{"type", "array"}, {"maxItems", limits.Items}, {"items", schemaOf(t.Elem(), max, multiline)}}
	case reflect.Map:
		return object{{"type", "object"}, {"maxProperties", limits.MapKeys}, {"additionalProperties", schemaOf(t.Elem(), max, multiline)}}
	case reflect.Struct:
		props := object{}
		var walk func(reflect.Type)
		walk = func(t reflect.Type) {
			for i := 0; i < t.NumField(); i++ {
				f := t.Field(i)
				if !f.IsExported() {
					continue
				}
				if f.Anonymous {
					walk(f.Type)
					continue
				}
				name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
				if name == "-" {
					continue
				}
				if name == "" {
					name = f.Name
				}
				fmax, fmulti := limits.MaxOf(f)
				props = append(props, member{name, schemaOf(f.Type, fmax, fmulti)})
			}
		}
		walk(t)
		return object{{"type", "object"}, {"additionalProperties", false}, {"properties", props}}
	}
	panic(fmt.Sprintf("schemaOf: no schema for %s", t))
}

// An order-preserving JSON tree, so that rewriting the document changes only
// what changed.
type member struct {
	Key string
	Val any
}

type object []member

func (o object) get(k string) any {
	for _, m := range o {
		if m.Key == k {
			return m.Val
		}
	}
	return nil
}

func (o *object) set(k string, v any) {
	for i := range *o {
		if (*o)[i].Key == k {
			(*o)[i].Val = v
			return
		}
	}
	*o = append(*o, member{k, v})
}

func orderedExample(s string) any {
	v, err := decodeOrdered([]byte(s))
	if err != nil {
		panic(err)
	}
	return v
}

func decodeOrdered(raw []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var value func() (any, error)
	value = func() (any, error) {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		switch tok {
		case json.Delim('{'):
			o := object{}
			for dec.More() {
				k, err := dec.Token()
				if err != nil {
					return nil, err
				}
				v, err := value()
				if err != nil {
					return nil, err
				}
				o = append(o, member{k.(string), v})
			}
			_, err := dec.Token()
			return o, err
		case json.Delim('['):
			a := []any{}
			for dec.More() {
				v, err := value()
				if err != nil {
					return nil, err
				}
				a = append(a, v)
			}
			_, err := dec.Token()
			return a, err
		}
		return tok, nil
	}
	return value()
}

func writeOrdered(buf *bytes.Buffer, v any) {
	switch v := v.(type) {
	case object:
		buf.WriteByte('{')
		for i, m := range v {
			if i > 0 {
				buf.WriteByte(',')
			}
			writeOrdered(buf, m.Key)
			buf.WriteByte(':')
			writeOrdered(buf, m.Val)
		}
		buf.WriteByte('}')
	case []any:
		buf.WriteByte('[')
		for i, e := range v {
			if i > 0 {
				buf.WriteByte(',')
			}
			writeOrdered(buf, e)
		}
		buf.WriteByte(']')
	default:
		enc := json.NewEncoder(buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(v); err != nil {
			panic(err)
		}
		buf.Truncate(buf.Len() - 1) // Encode's newline
	}
}

// canonical is v as JSON with sorted keys, for comparing trees.
func canonical(v any) string {
	var buf bytes.Buffer
	writeOrdered(&buf, v)
	var plain any
	if err := json.Unmarshal(buf.Bytes(), &plain); err != nil {
		panic(err)
	}
	out, _ := json.Marshal(plain)
	return string(out)
}
