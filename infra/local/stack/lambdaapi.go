package stack

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
)

// lambdaAPI answers the Lambda Invoke API (POST
// /2015-03-31/functions/{name}/invocations) for the functions of the stack,
// so a function that starts another one (the exports API starting its worker)
// runs the same SDK call here as in AWS. InvocationType Event is answered 202
// at once and run in the background with the template's retry count
// (EventInvokeConfig.MaximumRetryAttempts, else Lambda's 2).
type lambdaAPI struct {
	ctx      context.Context
	handlers map[string]lambda.Handler
	retries  map[string]int
	inflight sync.WaitGroup
}

func (l *lambdaAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// A qualified name (function:alias) runs the function: locally every
	// function has one version.
	name, _, _ := strings.Cut(r.PathValue("name"), ":")
	h, ok := l.handlers[name]
	if !ok {
		w.Header().Set("X-Amzn-ErrorType", "ResourceNotFoundException")
		http.Error(w, `{"Type":"User","message":"Function not found: `+name+`"}`, http.StatusNotFound)
		return
	}
	payload, err := io.ReadAll(io.LimitReader(r.Body, 256<<10)) // the asynchronous payload limit
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if r.Header.Get("X-Amz-Invocation-Type") == "Event" {
		l.inflight.Add(1)
		go func() {
			defer l.inflight.Done()
			for attempt := 0; attempt <= l.retries[name]; attempt++ {
				if attempt > 0 {
					time.Sleep(time.Duration(attempt) * 500 * time.Millisecond)
				}
				if _, err = h.Invoke(l.ctx, payload); err == nil {
					return
				}
				slog.Warn("asynchronous invocation failed", "function", name, "attempt", attempt+1, "err", err)
			}
		}()
		w.WriteHeader(http.StatusAccepted)
		return
	}
	out, err := h.Invoke(r.Context(), payload)
	w.Header().Set("Content-Type", "application/json")
	if err != nil {
		w.Header().Set("X-Amz-Function-Error", "Unhandled")
		_ = json.NewEncoder(w).Encode(map[string]string{"errorMessage": err.Error()})
		return
	}
	_, _ = w.Write(out)
}
