package enrollment

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/ecpa-lifelong/backoffice/shared/catalog"
	"github.com/ecpa-lifelong/backoffice/shared/errcode"
)

func TestCheckEnrollable(t *testing.T) {
	now := time.Date(2026, 11, 27, 2, 0, 0, 0, time.UTC) // 10:00 in Taipei
	open := catalog.Class{CourseCode: "X", Session: "1", Method: catalog.Open, EnrollStart: "2026-11-20", EnrollEnd: "2026-11-30", End: "2026-12-10",
		Restriction: "301*", Survey: []catalog.Question{catalog.SurveyQuestions[1]}}
	moi := Applicant{ID: "p", Agency: "301010000C"}
	ok := map[string]string{"meals": "素食"}
	for _, tc := range []struct {
		name       string
		edit       func(*catalog.Class)
		l          Applicant
		nominating string
		answers    map[string]string
		want       errcode.Code
	}{
		{"ok", nil, moi, "", ok, ""},
		{"before the window", func(c *catalog.Class) { c.EnrollStart = "2026-11-28" }, moi, "", ok, errcode.EnrollClosed},
		{"after the window", func(c *catalog.Class) { c.EnrollEnd = "2026-11-26" }, moi, "", ok, errcode.EnrollClosed},
		{"before go-live", func(c *catalog.Class) { c.GoLive = "2026-11-27T03:00:00Z" }, moi, "", ok, errcode.EnrollClosed},
		{"cancelled", func(c *catalog.Class) { c.Status = catalog.Cancelled }, moi, "", ok, errcode.EnrollClosed},
		{"nominated only", func(c *catalog.Class) { c.Method = catalog.Nominated }, moi, "", ok, errcode.EnrollClosed},
		{"no online enrollment", func(c *catalog.Class) { c.Method = catalog.Offline }, moi, "", ok, errcode.EnrollClosed},
		{"another agency", nil, Applicant{ID: "q", Agency: "379000000A"}, "", ok, errcode.NotEligible},
		{"no answer", nil, moi, "", nil, errcode.Invalid},
		{"an answer not offered", nil, moi, "", map[string]string{"meals": "牛排"}, errcode.Invalid},
		{"a question not asked", nil, moi, "", map[string]string{"meals": "素食", "parking": "要"}, errcode.Invalid},
		{"nominated by an agency", func(c *catalog.Class) { c.Method = catalog.Nominated }, moi, "301000000A", nil, ""},
		{"nominating to an open class", nil, moi, "301000000A", nil, errcode.EnrollClosed},
	} {
		c := open
		if tc.edit != nil {
			tc.edit(&c)
		}
		err := CheckEnrollable(c, tc.l, tc.nominating, tc.answers, now)
		if (tc.want == "" && err != nil) || (tc.want != "" && !errcode.Is(err, tc.want)) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
}

// A transaction still cancelled by a concurrent one after the SDK's retries is
// a 409 the learner can retry; a failed condition or another error is not.
func TestBusy(t *testing.T) {
	cancelled := func(codes ...string) error {
		e := &types.TransactionCanceledException{}
		for _, c := range codes {
			e.CancellationReasons = append(e.CancellationReasons, types.CancellationReason{Code: aws.String(c)})
		}
		return fmt.Errorf("enroll: %w", e)
	}
	for _, tc := range []struct {
		name string
		err  error
		want bool
	}{
		{"conflict on the seat count", cancelled("None", "TransactionConflict"), true},
		{"conflict on the enrollment", cancelled("TransactionConflict", "None"), true},
		{"class full", cancelled("None", "ConditionalCheckFailed"), false},
		{"throttled", errors.New("ThrottlingException"), false},
	} {
		got := busy(tc.err)
		if (got != nil) != tc.want {
			t.Errorf("%s: busy = %v, want conflict %v", tc.name, got, tc.want)
		}
		if got != nil && errcode.As(got).Code != errcode.Conflict {
			t.Errorf("%s: code %s, want %s", tc.name, errcode.As(got).Code, errcode.Conflict)
		}
	}
}
