package imports

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"

	"github.com/ecpa-lifelong/backoffice/shared/agency"
	"github.com/ecpa-lifelong/backoffice/shared/errcode"
)

// Object is one object created in the uploads bucket, as its S3 notification
// names it (the key URL-encoded).
type Object struct {
	Key  string
	ETag string
	Size int64
}

// RosterStager checks and stages an agency roster file (X3).
type RosterStager interface {
	Stage(ctx context.Context, key, etag string) (agency.Job, error)
}

// JobStager checks and stages the file of an upload job (X2): Pipeline.
type JobStager interface {
	Stage(ctx context.Context, key, etag string, size int64, owner string) (Job, error)
}

// Router hands each object created in the uploads bucket to what stages it,
// by the prefix of its key.
type Router struct {
	Rosters RosterStager
	Jobs    JobStager
}

// route is one line of the routing table.
type route struct {
	prefix string
	stage  func(ctx context.Context, key string, o Object, owner string) error
}

// routes is the routing table: the first prefix a key starts with wins.
func (r Router) routes() []route {
	return []route{
		{agency.RosterKeyPrefix, r.roster},
		{KeyPrefix, r.job},
	}
}

// Handle stages every object, each on its own: one that fails does not stop
// the others, and the joined error makes Lambda retry (staging is
// idempotent). An object under no known prefix is logged and left alone.
// owner names this invocation in a job's claim.
func (r Router) Handle(ctx context.Context, objs []Object, owner string) error {
	var errs []error
	for _, o := range objs {
		key, err := url.QueryUnescape(o.Key) // S3 notifications URL-encode keys
		if err != nil {
			errs = append(errs, fmt.Errorf("object key %q: %w", o.Key, err))
			continue
		}
		rt, ok := r.match(key)
		if !ok {
			slog.WarnContext(ctx, "upload with no importer", "key", key)
			continue
		}
		if err := rt.stage(ctx, key, o, owner); err != nil {
			errs = append(errs, fmt.Errorf("stage %s: %w", key, err))
		}
	}
	return errors.Join(errs...)
}

func (r Router) match(key string) (route, bool) {
	for _, rt := range r.routes() {
		if strings.HasPrefix(key, rt.prefix) {
			return rt, true
		}
	}
	return route{}, false
}

func (r Router) roster(ctx context.Context, key string, o Object, _ string) error {
	job, err := r.Rosters.Stage(ctx, key, o.ETag)
	if err != nil {
		return err
	}
	slog.InfoContext(ctx, "roster staged", "key", key, "job", job.ID, "status", job.Status, "rows", job.Rows, "bad", len(job.Bad))
	return nil
}

func (r Router) job(ctx context.Context, key string, o Object, owner string) error {
	job, err := r.Jobs.Stage(ctx, key, o.ETag, o.Size, owner)
	if errcode.Is(err, errcode.NotFound) { // a file nobody asked to upload: nothing to retry
		slog.WarnContext(ctx, "upload names no job", "key", key)
		return nil
	}
	if err != nil {
		return err
	}
	slog.InfoContext(ctx, "upload staged", "job", job.ID, "kind", job.Kind, "status", job.Status, "rows", job.Rows, "failed", job.Failed)
	return nil
}
