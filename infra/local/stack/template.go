// Package stack runs the whole system on one machine, as template.yaml
// describes it: every function behind one HTTP server with the authorizer
// in front, the tables in DynamoDB Local, the buckets in an embedded S3 that
// raises the template's ObjectCreated notifications, and the schedules.
package stack

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Template is what the local stack needs of template.yaml.
type Template struct {
	Functions map[string]*Function
	Tables    map[string]*yaml.Node // logical ID → Properties
	Buckets   map[string]*yaml.Node // logical ID → Properties
	Params    map[string]string     // parameter defaults
	Env       []string              // Globals environment variable names, in order
	Alias     string                // Globals AutoPublishAlias: what other functions invoke
	envNodes  map[string]*yaml.Node
	// HeadersPolicy is the Properties of the AWS::CloudFront::ResponseHeadersPolicy
	// the distribution serves the site (and /api/*) with.
	HeadersPolicy *yaml.Node
}

// Function is an AWS::Serverless::Function.
type Function struct {
	LogicalID string
	CodeURI   string
	Routes    []Route
	S3        []S3Trigger
	Schedules []Schedule
	Streams   []StreamSource        // DynamoDB events: the local stack polls the table's stream
	Env       map[string]*yaml.Node // the function's own variables (added to Globals)
	Retries   int                   // asynchronous invocations: retries after a failure (Lambda's default 2)
}

// StreamSource is a DynamoDB event (an event source mapping on a table's
// stream) with the settings the local poller honours as Lambda's does.
type StreamSource struct {
	Function     string
	Table        string        // the table's logical ID (Stream: !GetAtt <Table>.StreamArn)
	BatchSize    int           // records per invocation at most (Lambda's default 100)
	Window       time.Duration // MaximumBatchingWindowInSeconds
	Bisect       bool          // BisectBatchOnFunctionError
	ItemFailures bool          // FunctionResponseTypes: [ReportBatchItemFailures]
	Retries      int           // MaximumRetryAttempts (-1: until the records expire)
	// KeyPrefixes are FilterCriteria's key-prefix patterns, the one kind of
	// filter the local poller evaluates ({"dynamodb": {"Keys": {"sk": {"S":
	// [{"prefix": "REC#"}]}}}}): a record passes when, for each attribute
	// named, its key starts with one of the prefixes. Lambda drops the others
	// before the function, and so does the poller.
	KeyPrefixes map[string][]string
}

// Passes reports whether a stream record's keys pass the source's filter.
func (s StreamSource) Passes(keys map[string]string) bool {
	for attr, prefixes := range s.KeyPrefixes {
		if !slices.ContainsFunc(prefixes, func(p string) bool { return strings.HasPrefix(keys[attr], p) }) {
			return false
		}
	}
	return true
}

// Route is an HttpApi event.
type Route struct {
	Function string
	Method   string // GET, POST, ... or ANY
	Path     string // /api/members/{proxy+}
	Open     bool   // Auth.Authorizer: NONE
}

// S3Trigger is one of a bucket's LambdaConfigurations (ObjectCreated, by key prefix).
type S3Trigger struct {
	Bucket string // logical ID
	Prefix string
}

// Schedule is a ScheduleV2 event.
type Schedule struct {
	Name       string // the event's name in the template
	Function   string
	Expression string
	Timezone   string
	Input      string
}

// LoadTemplate reads and checks template.yaml.
func LoadTemplate(path string) (*Template, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("parse %s: %w", path, err)
	}
	root := doc.Content[0]
	var notify []bucketTrigger
	t := &Template{Functions: map[string]*Function{}, Tables: map[string]*yaml.Node{},
		Buckets: map[string]*yaml.Node{}, Params: map[string]string{}, envNodes: map[string]*yaml.Node{}}
	for _, p := range pairs(get(root, "Parameters")) {
		t.Params[p.key] = scalar(get(p.val, "Default"))
	}
	t.Alias = scalar(get(root, "Globals", "Function", "AutoPublishAlias"))
	for _, p := range pairs(get(root, "Globals", "Function", "Environment", "Variables")) {
		t.Env = append(t.Env, p.key)
		t.envNodes[p.key] = p.val
	}
	for _, r := range pairs(get(root, "Resources")) {
		props := get(r.val, "Properties")
		switch scalar(get(r.val, "Type")) {
		case "AWS::DynamoDB::Table":
			t.Tables[r.key] = props
		case "AWS::S3::Bucket":
			t.Buckets[r.key] = props
			for _, c := range seq(get(props, "NotificationConfiguration", "LambdaConfigurations")) {
				tr := S3Trigger{Bucket: r.key, Prefix: prefixRule(get(c, "Filter"))}
				// !Ref Fn.Alias (what AWS invokes) or !Ref Fn: the function either way.
				fn := strings.TrimSuffix(scalar(get(c, "Function")), ".Alias")
				notify = append(notify, bucketTrigger{fn: fn, trigger: tr})
			}
		case "AWS::CloudFront::ResponseHeadersPolicy":
			if t.HeadersPolicy != nil {
				return nil, fmt.Errorf("%s: the local stack serves one response headers policy, the template has two", r.key)
			}
			t.HeadersPolicy = props
		case "AWS::Serverless::Function":
			f := &Function{LogicalID: r.key, CodeURI: scalar(get(props, "CodeUri")), Env: map[string]*yaml.Node{}, Retries: 2}
			for _, v := range pairs(get(props, "Environment", "Variables")) {
				f.Env[v.key] = v.val
			}
			if n := scalar(get(props, "EventInvokeConfig", "MaximumRetryAttempts")); n != "" {
				fmt.Sscan(n, &f.Retries)
			}
			for _, e := range pairs(get(props, "Events")) {
				ep := get(e.val, "Properties")
				switch scalar(get(e.val, "Type")) {
				case "HttpApi":
					f.Routes = append(f.Routes, Route{Function: r.key, Method: strings.ToUpper(scalar(get(ep, "Method"))),
						Path: scalar(get(ep, "Path")), Open: scalar(get(ep, "Auth", "Authorizer")) == "NONE"})
				case "S3":
					// Its permission would have no SourceArn (TestProductionEdgeAndData).
					return nil, fmt.Errorf("%s: event %s: name the function in the bucket's NotificationConfiguration instead of a SAM S3 event", r.key, e.key)
				case "DynamoDB":
					src, err := streamSource(r.key, e.key, ep)
					if err != nil {
						return nil, err
					}
					f.Streams = append(f.Streams, src)
				case "ScheduleV2":
					f.Schedules = append(f.Schedules, Schedule{Name: e.key, Function: r.key,
						Expression: scalar(get(ep, "ScheduleExpression")), Timezone: scalar(get(ep, "ScheduleExpressionTimezone")),
						Input: scalar(get(ep, "Input"))})
				default:
					return nil, fmt.Errorf("%s: event %s has a type the local stack does not run", r.key, e.key)
				}
			}
			t.Functions[r.key] = f
		}
	}
	for _, n := range notify {
		f, ok := t.Functions[n.fn]
		if !ok {
			return nil, fmt.Errorf("bucket %s notifies %q, which is not a function of the template", n.trigger.Bucket, n.fn)
		}
		f.S3 = append(f.S3, n.trigger)
	}
	return t, nil
}

// bucketTrigger is a bucket's LambdaConfiguration, bound to its function
// once every function is read.
type bucketTrigger struct {
	fn      string
	trigger S3Trigger
}

// prefixRule is the prefix of an S3 key filter (Filter.S3Key.Rules).
func prefixRule(filter *yaml.Node) string {
	for _, rule := range seq(get(filter, "S3Key", "Rules")) {
		if scalar(get(rule, "Name")) == "prefix" {
			return scalar(get(rule, "Value"))
		}
	}
	return ""
}

// Routes lists every HttpApi route of every function, most specific first.
func (t *Template) Routes() []Route {
	var out []Route
	for _, f := range t.Functions {
		out = append(out, f.Routes...)
	}
	sort.Slice(out, func(i, j int) bool {
		gi, gj := strings.HasSuffix(out[i].Path, "+}"), strings.HasSuffix(out[j].Path, "+}")
		if gi != gj {
			return !gi
		}
		if len(out[i].Path) != len(out[j].Path) {
			return len(out[i].Path) > len(out[j].Path)
		}
		if out[i].Method != out[j].Method {
			return out[i].Method != "ANY" // a specific method beats ANY
		}
		return out[i].Path < out[j].Path
	})
	return out
}

// Match finds the route API Gateway would pick for method and path.
func Match(routes []Route, method, path string) (Route, map[string]string, bool) {
	for _, r := range routes {
		if r.Method != "ANY" && r.Method != method {
			continue
		}
		if params, ok := matchPath(r.Path, path); ok {
			return r, params, true
		}
	}
	return Route{}, nil, false
}

func matchPath(pattern, path string) (map[string]string, bool) {
	ps, xs := strings.Split(strings.Trim(pattern, "/"), "/"), strings.Split(strings.Trim(path, "/"), "/")
	params := map[string]string{}
	for i, p := range ps {
		if strings.HasSuffix(p, "+}") { // greedy: at least one more segment
			if i >= len(xs) || xs[i] == "" {
				return nil, false
			}
			params[strings.Trim(p, "{+}")] = strings.Join(xs[i:], "/")
			return params, true
		}
		if i >= len(xs) {
			return nil, false
		}
		if strings.HasPrefix(p, "{") {
			params[strings.Trim(p, "{}")] = xs[i]
		} else if p != xs[i] {
			return nil, false
		}
	}
	return params, len(ps) == len(xs)
}

// Resolver turns !Ref and !Sub values into local names.
type Resolver struct {
	Params    map[string]string
	Resources map[string]string // logical ID → local physical name
	Pseudo    map[string]string // AWS::StackName, AWS::AccountId, ...
}

var subRe = regexp.MustCompile(`\$\{([A-Za-z0-9:._]+)\}`)

// Resolve evaluates a scalar value of the template.
func (r Resolver) Resolve(n *yaml.Node) (string, error) {
	if n == nil {
		return "", nil
	}
	switch n.Tag {
	case "!Ref":
		return r.ref(n.Value)
	case "!Sub":
		if strings.HasPrefix(n.Value, "{{resolve:") {
			// A dynamic reference to Secrets Manager or SSM: no such service
			// locally, and empty turns off what it configures (ORIGIN_VERIFY).
			return "", nil
		}
		var err error
		out := subRe.ReplaceAllStringFunc(n.Value, func(m string) string {
			v, e := r.ref(m[2 : len(m)-1])
			if e != nil {
				err = e
			}
			return v
		})
		return out, err
	case "!!str", "!!int", "!!bool", "!!float", "":
		return n.Value, nil
	default:
		return "", fmt.Errorf("the local stack cannot evaluate %s %s", n.Tag, n.Value)
	}
}

func (r Resolver) ref(name string) (string, error) {
	if v, ok := r.Pseudo[name]; ok {
		return v, nil
	}
	if v, ok := r.Params[name]; ok {
		return v, nil
	}
	if v, ok := r.Resources[name]; ok {
		return v, nil
	}
	return "", fmt.Errorf("unknown reference %q", name)
}

// EnvNode returns the template value of a Globals environment variable.
func (t *Template) EnvNode(name string) *yaml.Node { return t.envNodes[name] }

type pair struct {
	key string
	val *yaml.Node
}

func pairs(n *yaml.Node) []pair {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	out := make([]pair, 0, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		out = append(out, pair{n.Content[i].Value, n.Content[i+1]})
	}
	return out
}

func get(n *yaml.Node, path ...string) *yaml.Node {
	for _, k := range path {
		var next *yaml.Node
		for _, p := range pairs(n) {
			if p.key == k {
				next = p.val
			}
		}
		if next == nil {
			return nil
		}
		n = next
	}
	return n
}

func seq(n *yaml.Node) []*yaml.Node {
	if n == nil || n.Kind != yaml.SequenceNode {
		return nil
	}
	return n.Content
}

func scalar(n *yaml.Node) string {
	if n == nil || n.Kind != yaml.ScalarNode {
		return ""
	}
	return n.Value
}

// streamSource reads a DynamoDB event's mapping settings.
func streamSource(fn, event string, ep *yaml.Node) (StreamSource, error) {
	table, ok := strings.CutSuffix(scalar(get(ep, "Stream")), ".StreamArn")
	if !ok {
		return StreamSource{}, fmt.Errorf("%s: event %s: Stream must be !GetAtt <Table>.StreamArn", fn, event)
	}
	src := StreamSource{Function: fn, Table: table, BatchSize: 100, Retries: -1,
		Bisect: scalar(get(ep, "BisectBatchOnFunctionError")) == "true"}
	num := func(key string, into *int) error {
		if v := scalar(get(ep, key)); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil {
				return fmt.Errorf("%s: event %s: %s %q: %w", fn, event, key, v, err)
			}
			*into = n
		}
		return nil
	}
	window := 0
	for key, into := range map[string]*int{"BatchSize": &src.BatchSize, "MaximumRetryAttempts": &src.Retries, "MaximumBatchingWindowInSeconds": &window} {
		if err := num(key, into); err != nil {
			return src, err
		}
	}
	src.Window = time.Duration(window) * time.Second
	for _, f := range seq(get(ep, "FilterCriteria", "Filters")) {
		var pattern struct {
			DynamoDB struct {
				Keys map[string]struct {
					S []struct {
						Prefix string `json:"prefix"`
					}
				}
			} `json:"dynamodb"`
		}
		raw := scalar(get(f, "Pattern"))
		if err := json.Unmarshal([]byte(raw), &pattern); err != nil || len(pattern.DynamoDB.Keys) == 0 {
			return src, fmt.Errorf("%s: event %s: filter %s: the local stack evaluates key-prefix patterns only", fn, event, raw)
		}
		src.KeyPrefixes = map[string][]string{}
		for attr, m := range pattern.DynamoDB.Keys {
			for _, p := range m.S {
				if p.Prefix == "" {
					return src, fmt.Errorf("%s: event %s: filter %s: the local stack evaluates key-prefix patterns only", fn, event, raw)
				}
				src.KeyPrefixes[attr] = append(src.KeyPrefixes[attr], p.Prefix)
			}
		}
	}
	for _, t := range seq(get(ep, "FunctionResponseTypes")) {
		src.ItemFailures = src.ItemFailures || t.Value == "ReportBatchItemFailures"
	}
	return src, nil
}
