package httpapi

import "net/http"

// Router is what a function's addRoutes registers on. *http.ServeMux is one;
// the OpenAPI test passes a recorder, so the routes of every router can be
// compared with the published document.
type Router interface {
	Handle(pattern string, h http.Handler)
}

// NewMux returns a ServeMux whose unknown routes answer in the API's error shape.
func NewMux() *http.ServeMux {
	mux := http.NewServeMux()
	return mux
}

// Serve wraps a mux with the middleware every function shares.
func Serve(mux *http.ServeMux) http.Handler {
	return Recover(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, pattern := mux.Handler(r); pattern == "" {
			NotFound(w, r)
			return
		}
		mux.ServeHTTP(w, r)
	}))
}
