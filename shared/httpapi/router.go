package httpapi

import "net/http"

// Router is what a function's Routes registers on. *http.ServeMux is one;
// the OpenAPI test passes a recorder, so the routes of every router can be
// compared with the published document.
type Router interface {
	Handle(pattern string, h http.Handler)
}

// Serve builds a function's handler from its routes, with what every
// function shares: every response says nosniff and no-store (answers carry
// personal data: no cache keeps them; downloads are never sniffed into
// something else), panics become a 500 in the API's error shape, unknown
// routes a 404 in it (not ServeMux's text), and path or query parameters over
// their limits or holding control characters a 400 before any handler runs;
// every 5xx answer is counted (metrics.go).
func Serve(routes func(Router)) http.Handler {
	mux := http.NewServeMux()
	routes(mux)
	return counted(Recover(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Cache-Control", "no-store")
		_, pattern := mux.Handler(r)
		if pattern == "" {
			NotFound(w, r)
			return
		}
		if err := checkParams(pattern, r); err != nil {
			Error(w, r, err)
			return
		}
		mux.ServeHTTP(w, r)
	})))
}
