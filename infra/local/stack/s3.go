package stack

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/johannesboyne/gofakes3"
)

// notifier wraps the embedded S3 and, like S3, raises ObjectCreated to the
// functions the template names, asynchronously, with Lambda's two retries
// for asynchronous invocations.
type notifier struct {
	s3       http.Handler
	triggers []boundTrigger
	inflight sync.WaitGroup
	ctx      context.Context
}

type boundTrigger struct {
	bucket  string // local bucket name
	prefix  string
	fn      string
	handler lambda.Handler
}

func newS3(backend gofakes3.Backend) http.Handler {
	return gofakes3.New(backend, gofakes3.WithInsecureCORS(), gofakes3.WithoutVersioning(),
		gofakes3.WithTimeSkewLimit(0)).Server()
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

func (n *notifier) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if expired(r) {
		// As S3 answers a presigned URL past its X-Amz-Expires.
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(http.StatusForbidden)
		_, _ = w.Write([]byte(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>`))
		return
	}
	rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
	n.s3.ServeHTTP(rec, r)
	q := r.URL.Query()
	created := (r.Method == http.MethodPut && !q.Has("partNumber") && !q.Has("uploadId")) ||
		(r.Method == http.MethodPost && q.Has("uploadId"))
	if !created || rec.status != http.StatusOK {
		return
	}
	parts := strings.SplitN(strings.TrimPrefix(r.URL.Path, "/"), "/", 2)
	if len(parts) != 2 || parts[1] == "" {
		return // a bucket, not an object
	}
	etag := strings.Trim(rec.Header().Get("ETag"), `"`)
	n.Deliver(parts[0], parts[1], r.ContentLength, etag)
}

// Deliver raises ObjectCreated for an object, as S3 would. Tests call it again
// to play S3's at-least-once delivery.
func (n *notifier) Deliver(bucket, key string, size int64, etag string) {
	for _, t := range n.triggers {
		if t.bucket != bucket || !strings.HasPrefix(key, t.prefix) {
			continue
		}
		ev := events.S3Event{Records: []events.S3EventRecord{{
			EventVersion: "2.1", EventSource: "aws:s3", AWSRegion: "ap-northeast-1",
			EventTime: time.Now().UTC(), EventName: "ObjectCreated:Put",
			S3: events.S3Entity{SchemaVersion: "1.0", ConfigurationID: t.fn,
				Bucket: events.S3Bucket{Name: bucket, Arn: "arn:aws:s3:::" + bucket},
				Object: events.S3Object{Key: s3EscapeKey(key), Size: size, ETag: etag,
					Sequencer: fmt.Sprintf("%016X", time.Now().UnixNano())}},
		}}}
		payload, _ := json.Marshal(ev)
		n.inflight.Add(1)
		go func(t boundTrigger) {
			defer n.inflight.Done()
			var err error
			for attempt := 0; attempt < 3; attempt++ {
				if attempt > 0 {
					time.Sleep(time.Duration(attempt) * 500 * time.Millisecond)
				}
				if _, err = t.handler.Invoke(n.ctx, payload); err == nil {
					return
				}
				slog.Warn("S3 notification failed", "function", t.fn, "key", key, "attempt", attempt+1, "err", err)
			}
		}(t)
	}
}

// Wait blocks until every notification raised so far has been handled.
func (n *notifier) Wait() { n.inflight.Wait() }

// s3EscapeKey encodes a key as S3 event records do (form encoding: space → +).
func s3EscapeKey(key string) string {
	parts := strings.Split(key, "/")
	for i, p := range parts {
		parts[i] = url.QueryEscape(p)
	}
	return strings.Join(parts, "/")
}

// expired reports whether a presigned request is past its lifetime.
func expired(r *http.Request) bool {
	q := r.URL.Query()
	date, secs := q.Get("X-Amz-Date"), q.Get("X-Amz-Expires")
	if date == "" || secs == "" {
		return false
	}
	t, err := time.Parse("20060102T150405Z", date)
	if err != nil {
		return true
	}
	var n int
	if _, err := fmt.Sscan(secs, &n); err != nil {
		return true
	}
	return time.Now().After(t.Add(time.Duration(n) * time.Second))
}
