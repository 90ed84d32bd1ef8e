package stack

import (
	"encoding/json"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ecpa-lifelong/backoffice/shared/auth"
	"github.com/ecpa-lifelong/backoffice/shared/export"
	"github.com/ecpa-lifelong/backoffice/shared/httpapi"
	"github.com/ecpa-lifelong/backoffice/shared/imports"
	"github.com/ecpa-lifelong/backoffice/shared/lease"
)

// cfn is the CloudFormation that `sam deploy` would create from template.yaml,
// converted by aws-sam-translator (the library SAM CLI and cfn-lint use; it
// comes with these machines, as cfn-lint does).
type cfn struct {
	Parameters map[string]map[string]any `json:"Parameters"`
	Resources  map[string]struct {
		Type           string         `json:"Type"`
		DeletionPolicy string         `json:"DeletionPolicy"`
		UpdatePolicy   map[string]any `json:"UpdatePolicy"`
		Properties     map[string]any `json:"Properties"`
	} `json:"Resources"`
}

func translated(t *testing.T) cfn {
	t.Helper()
	root := filepath.Join("..", "..", "..")
	cmd := exec.Command("python3", filepath.Join(root, "infra", "template", "translate.py"), filepath.Join(root, "template.yaml"))
	out, err := cmd.Output()
	if err != nil {
		msg := ""
		if ee, ok := err.(*exec.ExitError); ok {
			msg = string(ee.Stderr)
		}
		t.Fatalf("convert template.yaml with aws-sam-translator (pip package aws-sam-translator, with cfn-lint): %v\n%s", err, msg)
	}
	var c cfn
	if err := json.Unmarshal(out, &c); err != nil {
		t.Fatal(err)
	}
	return c
}

func js(v any) string { b, _ := json.Marshal(v); return string(b) }

// ref reads {"Ref": X} or {"Fn::GetAtt": [X, …]}.
func ref(v any) string {
	m, _ := v.(map[string]any)
	if r, ok := m["Ref"].(string); ok {
		return r
	}
	if g, ok := m["Fn::GetAtt"].([]any); ok && len(g) > 0 {
		s, _ := g[0].(string)
		return s
	}
	return ""
}

func dig(v any, path ...string) any {
	for _, k := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

// The production properties a review asked for, checked on what would be
// deployed rather than on the source's text.
func TestProductionTemplate(t *testing.T) {
	c := translated(t)
	tpl, err := LoadTemplate(filepath.Join("..", "..", "..", "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}

	// Required parameters have no placeholder default.
	for _, p := range []string{"SsoIssuer", "AlarmTopicArn", "Stage"} {
		if _, ok := c.Parameters[p]["Default"]; ok || c.Parameters[p] == nil {
			t.Errorf("parameter %s: want a required parameter without a default", p)
		}
	}

	// Which functions run asynchronously: S3 notifications, schedules, and the
	// functions another function starts (named in its environment).
	async := map[string]bool{}
	for id, f := range tpl.Functions {
		if len(f.S3) > 0 || len(f.Schedules) > 0 {
			async[id] = true
		}
		for _, n := range f.Env {
			if fn := strings.TrimSuffix(n.Value, ".Alias"); n.Tag == "!Ref" && tpl.Functions[fn] != nil {
				async[fn] = true
			}
		}
	}
	if len(async) < 5 {
		t.Fatalf("found %d asynchronous functions (%v), want at least the five of today", len(async), async)
	}
	onFailure := map[string]string{}
	alarms := map[string][]string{} // function → metrics alarmed
	var apiAlarm, queueAlarm bool
	var heartbeats []string // alarms that fire when nothing happened
	aliases, guarded, tlsOnly := map[string]bool{}, 0, map[string]bool{}
	for id, r := range c.Resources {
		switch r.Type {
		case "AWS::Lambda::Alias":
			aliases[ref(r.Properties["FunctionName"])] = r.Properties["Name"] == "live"
		case "AWS::S3::BucketPolicy":
			doc, _ := json.Marshal(r.Properties["PolicyDocument"])
			if strings.Contains(string(doc), `"aws:SecureTransport":"false"`) {
				tlsOnly[ref(r.Properties["Bucket"])] = true
			}
		case "AWS::CodeDeploy::DeploymentGroup":
			if as, _ := dig(r.Properties, "AlarmConfiguration", "Alarms").([]any); len(as) > 0 && dig(r.Properties, "AlarmConfiguration", "Enabled") != false {
				guarded++
			} else {
				t.Errorf("deployment group %s: no alarm rolls a bad version back", id)
			}
		case "AWS::Lambda::EventInvokeConfig":
			onFailure[ref(r.Properties["FunctionName"])] = ref(dig(r.Properties, "DestinationConfig", "OnFailure", "Destination"))
		case "AWS::CloudWatch::Alarm":
			if dims, _ := dig(r.Properties, "Dimensions").([]any); len(dims) > 0 && r.Properties["Namespace"] == "AWS/Lambda" {
				fn := ref(dig(dims[0], "Value"))
				alarms[fn] = append(alarms[fn], r.Properties["MetricName"].(string))
			}
			if r.Properties["TreatMissingData"] == "breaching" {
				heartbeats = append(heartbeats, id)
			}
			apiAlarm = apiAlarm || (r.Properties["Namespace"] == "AWS/ApiGateway" && r.Properties["MetricName"] == "5xx")
			queueAlarm = queueAlarm || r.Properties["Namespace"] == "AWS/SQS"
			if acts, _ := r.Properties["AlarmActions"].([]any); len(acts) == 0 || ref(acts[0]) != "AlarmTopicArn" {
				t.Errorf("alarm %s does not notify the AlarmTopicArn topic", id)
			}
		case "AWS::Logs::LogGroup":
			if r.Properties["RetentionInDays"] == nil {
				t.Errorf("log group %s keeps its logs forever: no RetentionInDays", id)
			}
		case "AWS::Lambda::Function":
			lg := ref(dig(r.Properties, "LoggingConfig", "LogGroup"))
			if lg == "" || c.Resources[lg].Type != "AWS::Logs::LogGroup" {
				t.Errorf("function %s logs to a group the template does not declare (so no retention)", id)
			}
		case "AWS::Scheduler::Schedule":
			name, _ := json.Marshal(r.Properties["Name"])
			if !strings.Contains(string(name), "AWS::StackName") {
				t.Errorf("schedule %s is named %s: not from the stack name, so a second stage cannot be deployed", id, name)
			}
			if dig(r.Properties, "Target", "DeadLetterConfig", "Arn") == nil {
				t.Errorf("schedule %s has no dead-letter queue", id)
			}
		case "AWS::DynamoDB::Table":
			if r.Properties["DeletionProtectionEnabled"] != true || r.DeletionPolicy != "RetainExceptOnCreate" {
				t.Errorf("table %s: deletion protection %v, deletion policy %q", id, r.Properties["DeletionProtectionEnabled"], r.DeletionPolicy)
			}
		case "AWS::S3::Bucket":
			if r.DeletionPolicy == "Retain" {
				t.Errorf("bucket %s: Retain also keeps it when a first create rolls back (use RetainExceptOnCreate)", id)
			}
		case "AWS::ApiGatewayV2::Stage":
			if dig(r.Properties, "AccessLogSettings", "DestinationArn") == nil {
				t.Errorf("API stage %s has no access log", id)
			}
		}
	}
	for fn := range async {
		if q := onFailure[fn]; q == "" || c.Resources[q].Type != "AWS::SQS::Queue" {
			t.Errorf("asynchronous function %s has no on-failure destination queue", fn)
		}
	}
	// A worker capped on purpose is throttled by design (Lambda keeps the
	// event and retries): its alarm is the events' age, not its throttles.
	for fn := range tpl.Functions {
		_, capped := c.Resources[fn].Properties["ReservedConcurrentExecutions"]
		if !slices.Contains(alarms[fn], "Errors") {
			t.Errorf("function %s: alarms on %v, want Errors", fn, alarms[fn])
		}
		switch throttles := slices.Contains(alarms[fn], "Throttles"); {
		case capped && async[fn] && throttles:
			t.Errorf("function %s is capped on purpose and started asynchronously: a Throttles alarm is noise", fn)
		case capped && async[fn] && !slices.Contains(alarms[fn], "AsyncEventAge"):
			t.Errorf("function %s is capped: want an AsyncEventAge alarm instead of Throttles", fn)
		case !(capped && async[fn]) && !throttles:
			t.Errorf("function %s: alarms on %v, want Throttles", fn, alarms[fn])
		}
	}
	for fn := range tpl.Functions {
		if !aliases[fn] {
			t.Errorf("function %s has no alias live: deploys are not gradual", fn)
		}
	}
	for id, r := range c.Resources {
		if r.Type == "AWS::S3::Bucket" && !tlsOnly[id] {
			t.Errorf("bucket %s takes requests without TLS (no aws:SecureTransport deny)", id)
		}
	}
	if guarded != len(tpl.Functions) {
		t.Errorf("%d deployment groups with a rollback alarm, want one per function (%d)", guarded, len(tpl.Functions))
	}
	if !apiAlarm || !queueAlarm {
		t.Errorf("API 5xx alarm %v, failure-queue alarm %v", apiAlarm, queueAlarm)
	}
	// A batch that never ran raises no error: the nightly and the roster
	// transfer have a heartbeat (issue 29, item 9).
	for _, hb := range []string{"NightlyHeartbeatAlarm", "RosterTransferHeartbeatAlarm"} {
		if !slices.Contains(heartbeats, hb) {
			t.Errorf("no heartbeat alarm %s (TreatMissingData breaching) among %v", hb, heartbeats)
		}
	}
	onAlias(t, c)
	workers(t, c)
	canaries(t, c, tpl)
}

// canaries checks every API function's deployment is rolled back on its 5xx
// answers (issue 29, item 3): a failed request is answered, not thrown, so
// Lambda's Errors alarm alone does not see a release that fails.
func canaries(t *testing.T, c cfn, tpl *Template) {
	t.Helper()
	for fn, f := range tpl.Functions {
		if len(f.Routes) == 0 {
			continue
		}
		sees := false
		for _, a := range dig(c.Resources[fn+"DeploymentGroup"].Properties, "AlarmConfiguration", "Alarms").([]any) {
			p := c.Resources[ref(dig(a, "Name"))].Properties
			dims, _ := p["Dimensions"].([]any)
			sees = sees || (p["Namespace"] == httpapi.MetricNamespace && p["MetricName"] == httpapi.Metric5xx &&
				len(dims) == 1 && dig(dims[0], "Name") == "FunctionName" && ref(dig(dims[0], "Value")) == fn)
		}
		if !sees {
			t.Errorf("%s: no alarm on its %s answers rolls a bad version back", fn, httpapi.Metric5xx)
		}
	}
	// The pre-traffic hook smokes the version the deploy is about to send
	// traffic to.
	hook := ref(dig(c.Resources["PlatformFunctionAliaslive"].UpdatePolicy, "CodeDeployLambdaAliasUpdate", "BeforeAllowTrafficHook"))
	v := c.Resources[ref(dig(c.Resources[hook].Properties, "Environment", "Variables", "SMOKE_FUNCTION"))]
	if v.Type != "AWS::Lambda::Version" || ref(v.Properties["FunctionName"]) != "PlatformFunction" {
		t.Errorf("PlatformFunction's pre-traffic hook %q does not smoke its new version (%+v)", hook, v)
	}
}

// workers checks the functions another function starts (issue 29, item 2):
// they are invoked by their alias, where Lambda keeps their retries and
// on-failure queue; the retries are the ones lease.Policy counts on; and a
// dropped or long-waiting invocation alarms.
func workers(t *testing.T, c cfn) {
	t.Helper()
	aliasOf := map[string]string{} // alias resource → function
	for id, r := range c.Resources {
		if r.Type == "AWS::Lambda::Alias" {
			aliasOf[id] = ref(r.Properties["FunctionName"])
		}
	}
	started := map[string]bool{}
	for id, r := range c.Resources {
		if r.Type != "AWS::Lambda::Function" {
			continue
		}
		vars, _ := dig(r.Properties, "Environment", "Variables").(map[string]any)
		for k, v := range vars {
			switch target := ref(v); {
			case c.Resources[target].Type == "AWS::Lambda::Function":
				t.Errorf("%s: %s names %s unqualified: it runs $LATEST without the alias's retries and failure queue", id, k, target)
			case aliasOf[target] != "":
				started[aliasOf[target]] = true
			}
		}
	}
	// ImportApply's follow-ups: the alias by name (a Ref to itself is a cycle).
	apply := c.Resources["ImportApplyFunction"].Properties
	self, _ := dig(apply, "Environment", "Variables", "SELF_ALIAS").(string)
	if self != "live" || !strings.Contains(js(c.Resources["ImportApplyFunctionRole"].Properties), `-import-apply:live"`) {
		t.Errorf("ImportApply's follow-ups: SELF_ALIAS %q, or no permission to invoke its alias live", self)
	}
	for _, fn := range []string{"ExportWorkerFunction", "ImportApplyFunction", "ImportWorkerFunction", "RollupFunction"} {
		if !started[fn] {
			t.Errorf("%s: no function starts it by its alias", fn)
		}
	}
	if export.MaxAttempts != imports.TaskAttempts {
		t.Fatalf("export and import-task attempts differ (%d, %d): one retry setting cannot serve both", export.MaxAttempts, imports.TaskAttempts)
	}
	alarmed := map[string][]string{}
	for _, r := range c.Resources {
		if r.Type == "AWS::CloudWatch::Alarm" && r.Properties["Namespace"] == "AWS/Lambda" {
			fn := ref(dig(r.Properties, "Dimensions").([]any)[0].(map[string]any)["Value"])
			alarmed[fn] = append(alarmed[fn], r.Properties["MetricName"].(string))
		}
	}
	for id, r := range c.Resources {
		fn := ref(r.Properties["FunctionName"])
		if r.Type != "AWS::Lambda::EventInvokeConfig" || !started[fn] {
			continue
		}
		age, _ := r.Properties["MaximumEventAgeInSeconds"].(float64)
		retries, _ := r.Properties["MaximumRetryAttempts"].(float64)
		if age != lease.EventAge.Seconds() || int(retries) != export.MaxAttempts-1 || r.Properties["Qualifier"] != "live" {
			t.Errorf("%s: %v s, %v retries on %v; lease.Policy counts on %v s and %d retry on the alias live",
				id, age, retries, r.Properties["Qualifier"], lease.EventAge.Seconds(), export.MaxAttempts-1)
		}
		for _, m := range []string{"AsyncEventsDropped", "AsyncEventAge"} {
			if !slices.Contains(alarmed[fn], m) {
				t.Errorf("%s: no %s alarm", fn, m)
			}
		}
	}
}

// onAlias checks the API calls only the alias live (issue 29, item 1): the
// authorizer and every integration, and every API invoke permission, so a
// canary's rollback moves all API traffic, the authorizer's included.
func onAlias(t *testing.T, c cfn) {
	t.Helper()
	alias := map[string]bool{}
	for id, r := range c.Resources {
		if r.Type == "AWS::Lambda::Alias" && r.Properties["Name"] == "live" {
			alias[id] = true
		}
	}
	uris := 0
	var walk func(k string, v any)
	walk = func(k string, v any) {
		switch v := v.(type) {
		case map[string]any:
			if k == "uri" || k == "authorizerUri" {
				uris++
				arn := ""
				if sub, ok := v["Fn::Sub"].([]any); ok && len(sub) == 2 {
					arn = ref(dig(sub[1], "__FunctionArn__"))
				} else if s, ok := v["Fn::Sub"].(string); ok {
					if i, j := strings.Index(s, "functions/${"), strings.Index(s, "}/invocations"); i >= 0 && j > i {
						arn = s[i+len("functions/${") : j]
					}
				}
				if !alias[arn] {
					t.Errorf("API %s %s does not name an alias live: %s", k, arn, js(v))
				}
				return
			}
			for kk, vv := range v {
				walk(kk, vv)
			}
		case []any:
			for _, vv := range v {
				walk(k, vv)
			}
		}
	}
	perms := 0
	for id, r := range c.Resources {
		switch r.Type {
		case "AWS::ApiGatewayV2::Api":
			walk("", r.Properties["Body"])
		case "AWS::ApiGatewayV2::Integration", "AWS::ApiGatewayV2::Authorizer":
			t.Errorf("%s: an integration or authorizer outside the API's body; extend this check", id)
		case "AWS::Lambda::Permission":
			if r.Properties["Principal"] == "apigateway.amazonaws.com" {
				perms++
				if fn := ref(r.Properties["FunctionName"]); !alias[fn] {
					t.Errorf("%s lets the API invoke %s, not an alias live", id, fn)
				}
			}
		}
	}
	if uris < 20 || perms < 20 {
		t.Errorf("found %d integration and authorizer URIs, %d API permissions; the check reads the converted template wrong", uris, perms)
	}
}

// The edge, data protection and capacity guards of issue 19, on the converted
// template.
func TestProductionEdgeAndData(t *testing.T) {
	c := translated(t)
	key := ""
	for id, r := range c.Resources {
		if r.Type == "AWS::KMS::Key" && r.Properties["EnableKeyRotation"] == true && r.DeletionPolicy == "Retain" {
			key = id
		}
	}
	if key == "" {
		t.Fatal("no retained, rotated customer-managed KMS key for the personal data")
	}
	backedUp := map[string]bool{}
	longest := 0.0
	reserved := map[string]float64{}
	var waf, tls12, originHeader, cached, sourceAccount bool
	for id, r := range c.Resources {
		switch r.Type {
		case "AWS::DynamoDB::Table":
			if ref(dig(r.Properties, "SSESpecification", "KMSMasterKeyId")) != key {
				t.Errorf("table %s is not encrypted with the data key", id)
			}
		case "AWS::S3::Bucket":
			enc := js(dig(r.Properties, "BucketEncryption"))
			if id != "SiteBucket" && !strings.Contains(enc, `"KMSMasterKeyID":{"Fn::GetAtt":["`+key+`","Arn"]}`) {
				t.Errorf("bucket %s holds national IDs but is not encrypted with the data key: %s", id, enc)
			}
		case "AWS::Backup::BackupSelection":
			for _, res := range dig(r.Properties, "BackupSelection", "Resources").([]any) {
				backedUp[ref(res)] = true
			}
		case "AWS::Backup::BackupPlan":
			for _, rule := range dig(r.Properties, "BackupPlan", "BackupPlanRule").([]any) {
				d := dig(rule, "Lifecycle", "DeleteAfterDays")
				if p := ref(d); p != "" {
					d = c.Parameters[p]["Default"]
				}
				if f, ok := d.(float64); ok && f > longest {
					longest = f
				}
			}
		case "AWS::Lambda::Function":
			if n, ok := r.Properties["ReservedConcurrentExecutions"].(float64); ok {
				reserved[id] = n
			}
			if st := js(r.Properties); strings.Contains(st, "-ImportApplyFunction-*") {
				t.Errorf("function %s invokes by a name pattern", id)
			}
		case "AWS::CloudFront::Distribution":
			dc := r.Properties["DistributionConfig"]
			waf = ref(dig(dc, "WebACLId")) == "WebAclArn"
			tls12 = strings.Contains(js(dig(dc, "ViewerCertificate")), `"MinimumProtocolVersion":"TLSv1.2_2021"`)
			for _, o := range dig(dc, "Origins").([]any) {
				if dig(o, "Id") == "api" {
					originHeader = strings.Contains(js(o), `"HeaderName":"X-Origin-Verify"`)
				}
			}
			for _, b := range dig(dc, "CacheBehaviors").([]any) {
				if dig(b, "PathPattern") == "/api/front/classes" {
					cp := c.Resources[ref(dig(b, "CachePolicyId"))]
					ttl, _ := dig(cp.Properties, "CachePolicyConfig", "DefaultTTL").(float64)
					cached = ttl > 0 && ttl <= 300
				}
			}
		case "AWS::IAM::Role":
			doc := js(r.Properties["AssumeRolePolicyDocument"])
			if strings.Contains(doc, "scheduler.amazonaws.com") {
				sourceAccount = strings.Contains(doc, "aws:SourceAccount")
			}
		}
	}
	for _, tbl := range []string{"DirectoryTable", "CatalogTable", "RecordsTable"} {
		if !backedUp[tbl] {
			t.Errorf("table %s is in no backup plan", tbl)
		}
	}
	if longest < 3650 {
		t.Errorf("longest backup kept %v days, want 10 years", longest)
	}
	for _, fn := range []string{"ImportApplyFunction", "ExportWorkerFunction", "ImportWorkerFunction"} {
		if n := reserved[fn]; n < 1 || n > 10 {
			t.Errorf("function %s: reserved concurrency %v, want a small cap", fn, n)
		}
	}
	// One route cannot starve the others (issue 29, item 11): the authorizer
	// every request passes and the enrollment rush have their own reserve,
	// and the rollup fan-out is capped.
	for fn, most := range map[string]float64{"AuthorizerFunction": 200, "EnrollmentFunction": 200, "RollupFunction": 50} {
		if n := reserved[fn]; n < 1 || n > most {
			t.Errorf("function %s: reserved concurrency %v, want 1..%v", fn, n, most)
		}
	}
	// The access log names who made each request (issue 29, item 6).
	for r := range c.Resources {
		if c.Resources[r].Type != "AWS::ApiGatewayV2::Stage" {
			continue
		}
		format, _ := dig(c.Resources[r].Properties, "AccessLogSettings", "Format").(string)
		for _, k := range []string{auth.CtxSubject, auth.CtxKind, auth.CtxSession} {
			if !strings.Contains(format, "$context.authorizer."+k+`"`) {
				t.Errorf("the API access log does not record the principal's %s: %s", k, format)
			}
		}
	}
	if c.Resources["ImportsLogs"].Properties["RetentionInDays"].(map[string]any)["Ref"] != "AuditLogRetentionDays" {
		t.Error("ImportsLogs (L6b/L6c revisions and deletions) is not kept as long as the audit logs")
	}
	if !waf || !tls12 || !originHeader || !cached || !sourceAccount {
		t.Errorf("WAF %v, TLS 1.2 (2021) %v, origin secret header %v, class list cached %v, scheduler trust by account %v",
			waf, tls12, originHeader, cached, sourceAccount)
	}
	var stage map[string]any
	for _, r := range c.Resources {
		if r.Type == "AWS::ApiGatewayV2::Stage" {
			stage = r.Properties
		}
	}
	for _, route := range []string{"POST /api/auth/stats/login", "POST /api/platform/token", "GET /api/front/classes", "ANY /api/front/enrollments/{proxy+}"} {
		if dig(stage, "RouteSettings", route, "ThrottlingRateLimit") == nil {
			t.Errorf("route %s has no throttle of its own", route)
		}
	}
	// Who may invoke: S3 only for this stack's buckets from this account
	// (a permission without SourceArn lets any bucket of the account invoke).
	s3Invokers := 0
	for id, r := range c.Resources {
		if r.Type != "AWS::Lambda::Permission" || r.Properties["Principal"] != "s3.amazonaws.com" {
			continue
		}
		s3Invokers++
		arn := js(r.Properties["SourceArn"])
		if !strings.Contains(arn, `arn:${AWS::Partition}:s3:::${AWS::StackName}-`) || r.Properties["SourceAccount"] == nil {
			t.Errorf("%s: S3 may invoke from source %s, account %v; want this stack's bucket and account", id, arn, r.Properties["SourceAccount"])
		}
	}
	if s3Invokers == 0 {
		t.Error("no S3 invoke permission: the uploads bucket's notifications could not reach the import function")
	}
	dashboard(t, c)
	rules := js(dig(c.Resources["UploadsBucket"].Properties, "LifecycleConfiguration"))
	if !strings.Contains(rules, `"Prefix":"imports/"`) || !strings.Contains(rules, `"ExpirationInDays":{"Ref":"UploadRetentionDays"}`) {
		t.Errorf("uploaded files are never deleted: %s", rules)
	}
}

// Least privilege on the Directory table, which holds users, grants, sessions
// and the audit trail: no function may Scan it, every write is limited to the
// partition-key prefixes the function uses (dynamodb:LeadingKeys), only the
// identity function (and the nightly batch, which re-keys moved users) writes
// users, accounts, sessions and names, and the audit trail is only appended to
// outside the identity function.
func TestProductionLeastPrivilege(t *testing.T) {
	c := translated(t)
	sensitive := []string{"USER#", "STATS#", "SESSION#", "USERNAME#", "AUDIT#"}
	// The audit trail is appended to only, the identity function's included
	// (it serves unauthenticated routes; issue 29, item 5).
	mayWrite := map[string][]string{"IdentityFunction": sensitive[:4], "NightlyFunction": {"USER#", "STATS#"}}
	writes := []string{"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem", "dynamodb:ConditionCheckItem", "dynamodb:*"}
	checked := 0
	for fn, stmts := range roleStatements(c) {
		for _, st := range stmts {
			if !strings.Contains(js(dig(st, "Resource")), "DirectoryTable") {
				continue
			}
			checked++
			acts := js(dig(st, "Action"))
			if strings.Contains(acts, "dynamodb:Scan") || strings.Contains(acts, `"dynamodb:*"`) {
				t.Errorf("%s may Scan the Directory table: %s", fn, acts)
			}
			writing := slices.ContainsFunc(writes, func(a string) bool { return strings.Contains(acts, `"`+a+`"`) })
			if !writing {
				continue
			}
			keys, _ := dig(st, "Condition", "ForAllValues:StringLike", "dynamodb:LeadingKeys").([]any)
			if len(keys) == 0 {
				t.Errorf("%s writes the Directory table with no partition-key limit: %s", fn, acts)
				continue
			}
			appendOnly := acts == `"dynamodb:PutItem"`
			for _, k := range keys {
				key, _ := k.(string)
				if key == "*" {
					t.Errorf("%s: a LeadingKeys wildcard", fn)
				}
				for _, s := range sensitive {
					if !strings.HasPrefix(key, s) {
						continue
					}
					if slices.Contains(mayWrite[fn], s) || (s == "AUDIT#" && appendOnly) {
						continue
					}
					t.Errorf("%s may write %s items (%s)", fn, s, acts)
				}
			}
		}
	}
	if checked < 10 {
		t.Fatalf("found %d Directory statements; the test reads the converted template wrong", checked)
	}
	recordsLeastPrivilege(t, c)
	// The upload API reads and writes its own prefixes of the uploads bucket,
	// and deletes nothing; the import worker (L1's searches and result files)
	// reads the uploads and writes the result files, nothing else.
	uploads := func(prefix string) string {
		return `"arn:${AWS::Partition}:s3:::${AWS::StackName}-uploads-${AWS::AccountId}/` + prefix + `/*"`
	}
	for fn, allowed := range map[string]map[string][]string{
		"ImportsFunction":      {"s3:GetObject": {"imports", "import-results", "platform-batches"}, "s3:PutObject": {"imports", "platform-batches"}},
		"ImportWorkerFunction": {"s3:GetObject": {"imports"}, "s3:PutObject": {"import-results"}},
	} {
		role := c.Resources[fn+"Role"]
		s3Statements := 0
		for _, p := range role.Properties["Policies"].([]any) {
			for _, st := range dig(p, "PolicyDocument", "Statement").([]any) {
				res, acts := js(dig(st, "Resource")), js(dig(st, "Action"))
				if !strings.Contains(res, "-uploads-") || !strings.Contains(res, "}/") {
					continue
				}
				s3Statements++
				if strings.Contains(acts, "Delete") || strings.Contains(acts, `"s3:*"`) {
					t.Errorf("%s may delete uploaded files: %s", fn, acts)
				}
				for _, act := range []string{"s3:GetObject", "s3:PutObject"} {
					if !strings.Contains(acts, `"`+act+`"`) {
						continue
					}
					for _, r := range strings.Split(strings.Trim(res, "[]"), "},{") {
						if !slices.ContainsFunc(allowed[act], func(pre string) bool { return strings.Contains(r, uploads(pre)) }) {
							t.Errorf("%s: %s outside its prefixes %v: %s", fn, act, allowed[act], r)
						}
					}
				}
			}
		}
		if s3Statements == 0 {
			t.Errorf("%s: no statement on the uploads bucket's objects; the test reads the converted template wrong", fn)
		}
	}
}

// dashboard checks the operations dashboard shows every function, every
// alarm, the failed asynchronous work and the API: a function added without
// its line on it would fail silently on the page the on-call officer reads.
func dashboard(t *testing.T, c cfn) {
	t.Helper()
	var body string
	for _, r := range c.Resources {
		if r.Type == "AWS::CloudWatch::Dashboard" {
			body, _ = dig(r.Properties, "DashboardBody", "Fn::Sub").(string)
		}
	}
	var parsed struct{ Widgets []any }
	if err := json.Unmarshal([]byte(body), &parsed); err != nil || len(parsed.Widgets) == 0 {
		t.Fatalf("no operations dashboard with JSON widgets (%v): %.200s", err, body)
	}
	want := []string{"${HttpApi}", "${AsyncFailureQueue.QueueName}", "${DirectoryTable}", "${CatalogTable}", "${RecordsTable}"}
	for id, r := range c.Resources {
		switch r.Type {
		case "AWS::Lambda::Function":
			want = append(want, `"FunctionName", "${`+id+`}"`)
		case "AWS::CloudWatch::Alarm":
			want = append(want, "${"+id+".Arn}")
		}
	}
	for _, w := range want {
		if !strings.Contains(body, w) {
			t.Errorf("the operations dashboard does not show %s", w)
		}
	}
}

// recordsLeastPrivilege checks the Records table's statements (issue 29,
// item 5): explicit actions, no wildcard or managed CRUD policy, and Scan
// only for the function whose job is a scan (the learning-summary repair).
func recordsLeastPrivilege(t *testing.T, c cfn) {
	t.Helper()
	mayScan := map[string]bool{"NightlyFunction": true}
	statements := 0
	for fn, stmts := range roleStatements(c) {
		for _, st := range stmts {
			res := js(dig(st, "Resource"))
			if !strings.Contains(res, "RecordsTable") && !strings.Contains(res, `"tableName":{"Ref":"RecordsTable"}`) {
				continue
			}
			acts := js(dig(st, "Action"))
			if !strings.Contains(acts, "dynamodb:") {
				continue
			}
			statements++
			if strings.Contains(acts, "dynamodb:*") || strings.Contains(acts, "dynamodb:DeleteTable") || strings.Contains(acts, "dynamodb:UpdateTable") {
				t.Errorf("%s: broad actions on the Records table: %s", fn, acts)
			}
			if strings.Contains(acts, `"dynamodb:Scan"`) && !mayScan[fn] {
				t.Errorf("%s may Scan the Records table; only a function whose job is a scan may", fn)
			}
		}
	}
	if statements < 9 {
		t.Fatalf("found %d Records statements; the test reads the converted template wrong", statements)
	}
}

// roleStatements lists each function's policy statements, by function.
func roleStatements(c cfn) map[string][]any {
	out := map[string][]any{}
	for id, r := range c.Resources {
		if r.Type != "AWS::IAM::Role" || !strings.HasSuffix(id, "FunctionRole") {
			continue
		}
		pols, _ := r.Properties["Policies"].([]any)
		for _, p := range pols {
			stmts, _ := dig(p, "PolicyDocument", "Statement").([]any)
			out[strings.TrimSuffix(id, "Role")] = append(out[strings.TrimSuffix(id, "Role")], stmts...)
		}
	}
	return out
}
