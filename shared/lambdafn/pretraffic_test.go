package lambdafn

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
)

// version answers like a deployed function version would.
type version struct {
	status int
	err    error
	got    events.APIGatewayV2HTTPRequest
	target string
}

func (v *version) Invoke(_ context.Context, in *awslambda.InvokeInput, _ ...func(*awslambda.Options)) (*awslambda.InvokeOutput, error) {
	v.target = aws.ToString(in.FunctionName)
	_ = json.Unmarshal(in.Payload, &v.got)
	if v.err != nil {
		return nil, v.err
	}
	out, _ := json.Marshal(events.APIGatewayV2HTTPResponse{StatusCode: v.status})
	return &awslambda.InvokeOutput{Payload: out}, nil
}

// The hook passes a version only when it answers the health check 200 to a
// request carrying the edge's secret.
func TestSmoke(t *testing.T) {
	for _, tt := range []struct {
		name string
		v    version
		pass bool
	}{
		{"healthy", version{status: 200}, true},
		{"unhealthy", version{status: 503}, false},
		{"failing", version{status: 500}, false},
		{"not invocable", version{err: errors.New("no such version")}, false},
	} {
		res := smoke(context.Background(), &tt.v, "arn:aws:lambda:ap-northeast-1:1:function:p:7", "s3cret")
		if res.Passed != tt.pass || tt.v.target != "arn:aws:lambda:ap-northeast-1:1:function:p:7" {
			t.Errorf("%s: %+v (target %q)", tt.name, res, tt.v.target)
		}
		if tt.v.got.RawPath != "/api/health" || tt.v.got.Headers["x-origin-verify"] != "s3cret" {
			t.Errorf("%s: sent %s with headers %v", tt.name, tt.v.got.RawPath, tt.v.got.Headers)
		}
	}
}
