package lambdafn

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codedeploy"
	cdtypes "github.com/aws/aws-sdk-go-v2/service/codedeploy/types"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/ecpa-lifelong/backoffice/shared/httpapi"
	"github.com/ecpa-lifelong/backoffice/shared/settings"
)

// SmokeTarget names the version the pre-traffic hook tries (template.yaml:
// the new PlatformFunction version of the deployment).
const SmokeTarget = "SMOKE_FUNCTION"

// HookEvent is what CodeDeploy sends a lifecycle hook.
type HookEvent struct {
	DeploymentID string `json:"DeploymentId"`
	ExecutionID  string `json:"LifecycleEventHookExecutionId"`
}

// SmokeResult is the hook's answer (and its log line).
type SmokeResult struct {
	Target string `json:"target"`
	Status int    `json:"status"`
	Passed bool   `json:"passed"`
}

// invoker is the part of the Lambda client the smoke request uses.
type invoker interface {
	Invoke(ctx context.Context, in *awslambda.InvokeInput, opts ...func(*awslambda.Options)) (*awslambda.InvokeOutput, error)
}

// smoke sends GET /api/health, as the API would, to target: the health check
// reads the three tables and the two buckets, so a version that cannot reach
// its data (configuration, permissions) or does not start fails it.
func smoke(ctx context.Context, fn invoker, target, origin string) SmokeResult {
	ev := events.APIGatewayV2HTTPRequest{Version: "2.0", RouteKey: "GET /api/health", RawPath: "/api/health",
		Headers: map[string]string{strings.ToLower(httpapi.OriginHeader): origin}}
	ev.RequestContext.HTTP.Method, ev.RequestContext.HTTP.Path = http.MethodGet, "/api/health"
	payload, _ := json.Marshal(ev)
	res := SmokeResult{Target: target}
	out, err := fn.Invoke(ctx, &awslambda.InvokeInput{FunctionName: aws.String(target), Payload: payload})
	if err != nil || out.FunctionError != nil {
		slog.ErrorContext(ctx, "smoke request failed", "target", target, "err", err)
		return res
	}
	var resp events.APIGatewayV2HTTPResponse
	if err := json.Unmarshal(out.Payload, &resp); err != nil {
		slog.ErrorContext(ctx, "smoke answer unreadable", "target", target, "err", err)
		return res
	}
	res.Status, res.Passed = resp.StatusCode, resp.StatusCode == http.StatusOK
	return res
}

// PreTraffic is CodeDeploy's pre-traffic hook of PlatformFunction: before
// the alias live moves, it sends a smoke request to the new version and
// reports Succeeded or Failed (a failure stops and rolls back the deploy).
// An event without a deployment (a manual or local run) only smokes.
func PreTraffic(ctx context.Context, getenv func(string) string) (func(context.Context, HookEvent) (SmokeResult, error), error) {
	env := setup(getenv)
	target, origin := env.Need(SmokeTarget), env.Get(settings.OriginVerify, "")
	if err := env.Err(); err != nil {
		return nil, err
	}
	fn, err := LambdaClient(ctx, env)
	if err != nil {
		return nil, err
	}
	cfg, err := settings.AWS(ctx, env)
	if err != nil {
		return nil, err
	}
	deploys := codedeploy.NewFromConfig(cfg)
	return func(ctx context.Context, ev HookEvent) (SmokeResult, error) {
		res := smoke(ctx, fn, target, origin)
		slog.InfoContext(ctx, "pre-traffic smoke", "target", res.Target, "status", res.Status, "passed", res.Passed, "deployment", ev.DeploymentID)
		if ev.DeploymentID == "" {
			return res, nil
		}
		status := cdtypes.LifecycleEventStatusSucceeded
		if !res.Passed {
			status = cdtypes.LifecycleEventStatusFailed
		}
		if _, err := deploys.PutLifecycleEventHookExecutionStatus(ctx, &codedeploy.PutLifecycleEventHookExecutionStatusInput{
			DeploymentId: aws.String(ev.DeploymentID), LifecycleEventHookExecutionId: aws.String(ev.ExecutionID), Status: status}); err != nil {
			return res, fmt.Errorf("report pre-traffic %s of deployment %s: %w", status, ev.DeploymentID, err)
		}
		return res, nil
	}, nil
}
