package stack

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/robfig/cron/v3"
)

// scheduler runs the template's ScheduleV2 events on their expressions in
// their time zones, and lets a tester fire any of them now.
type scheduler struct {
	cron      *cron.Cron
	schedules map[string]boundSchedule
	now       func() time.Time
}

type boundSchedule struct {
	Schedule
	handler lambda.Handler
	entry   cron.EntryID
	spec    cron.Schedule
}

// cronSpec converts an EventBridge expression to a robfig/cron spec:
// cron(min hour dom month dow year) → "min hour dom month dow", rate(n unit) → @every.
func cronSpec(expr string) (string, error) {
	switch {
	case strings.HasPrefix(expr, "cron(") && strings.HasSuffix(expr, ")"):
		f := strings.Fields(expr[5 : len(expr)-1])
		if len(f) != 6 {
			return "", fmt.Errorf("%s: want 6 fields", expr)
		}
		if f[5] != "*" {
			return "", fmt.Errorf("%s: a year field other than * is not supported locally", expr)
		}
		for i := range f[:5] {
			f[i] = strings.ReplaceAll(f[i], "?", "*")
		}
		if strings.ContainsAny(f[4], "0123456789") {
			return "", fmt.Errorf("%s: use day names (MON-FRI) in day-of-week; EventBridge numbers days 1-7 from Sunday", expr)
		}
		return strings.Join(f[:5], " "), nil
	case strings.HasPrefix(expr, "rate(") && strings.HasSuffix(expr, ")"):
		f := strings.Fields(expr[5 : len(expr)-1])
		if len(f) != 2 {
			return "", fmt.Errorf("%s: want rate(n unit)", expr)
		}
		unit := map[string]string{"minute": "m", "minutes": "m", "hour": "h", "hours": "h", "day": "h", "days": "h"}[f[1]]
		if unit == "" {
			return "", fmt.Errorf("%s: unknown unit", expr)
		}
		n := f[0]
		if strings.HasPrefix(f[1], "day") {
			var d int
			fmt.Sscan(f[0], &d)
			n = fmt.Sprint(d * 24)
		}
		return "@every " + n + unit, nil
	}
	return "", fmt.Errorf("%s: not a cron() or rate() expression", expr)
}

func newScheduler(ctx context.Context, list []Schedule, handlers map[string]lambda.Handler, run bool, now func() time.Time) (*scheduler, error) {
	s := &scheduler{cron: cron.New(), schedules: map[string]boundSchedule{}, now: now}
	for _, sc := range list {
		spec, err := cronSpec(sc.Expression)
		if err != nil {
			return nil, fmt.Errorf("schedule %s: %w", sc.Name, err)
		}
		if sc.Timezone != "" {
			spec = "CRON_TZ=" + sc.Timezone + " " + spec
		}
		parsed, err := cron.ParseStandard(spec)
		if err != nil {
			return nil, fmt.Errorf("schedule %s (%s): %w", sc.Name, spec, err)
		}
		b := boundSchedule{Schedule: sc, handler: handlers[sc.Function], spec: parsed}
		if run {
			name := sc.Name
			b.entry = s.cron.Schedule(parsed, cron.FuncJob(func() {
				if out, err := s.Fire(ctx, name, nil); err != nil {
					slog.Error("scheduled run failed", "schedule", name, "err", err)
				} else {
					slog.Info("scheduled run", "schedule", name, "result", string(out))
				}
			}))
		}
		s.schedules[sc.Name] = b
	}
	if run {
		s.cron.Start()
	}
	return s, nil
}

// Fire invokes a schedule's function now with the template's Input, merged
// with override (for example {"date":"2026-11-26"}).
func (s *scheduler) Fire(ctx context.Context, name string, override json.RawMessage) (json.RawMessage, error) {
	b, ok := s.schedules[name]
	if !ok {
		return nil, fmt.Errorf("no schedule named %q", name)
	}
	input := map[string]any{}
	if b.Input != "" {
		if err := json.Unmarshal([]byte(b.Input), &input); err != nil {
			return nil, fmt.Errorf("template Input of %s: %w", name, err)
		}
	}
	if len(override) > 0 {
		if err := json.Unmarshal(override, &input); err != nil {
			return nil, fmt.Errorf("input: %w", err)
		}
	}
	payload, _ := json.Marshal(input)
	return b.handler.Invoke(ctx, payload)
}

// Info describes the schedules for testers.
func (s *scheduler) Info() []map[string]string {
	var out []map[string]string
	for name, b := range s.schedules {
		out = append(out, map[string]string{"name": name, "function": b.Function, "expression": b.Expression,
			"timezone": b.Timezone, "next": b.spec.Next(s.now()).Format(time.RFC3339), "running": fmt.Sprint(b.entry != 0)})
	}
	return out
}

func (s *scheduler) Stop() { <-s.cron.Stop().Done() }
