package httpapi

import (
	"io"
	"log/slog"

	"github.com/ecpa-lifelong/backoffice/shared/nid"
)

// NewLogger returns a JSON logger that masks national IDs in every string it
// writes, including wrapped error texts, so no ID reaches CloudWatch in clear.
func NewLogger(w io.Writer, level slog.Level) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{
		Level: level,
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			switch a.Value.Kind() {
			case slog.KindString:
				return slog.String(a.Key, nid.MaskText(a.Value.String()))
			case slog.KindAny:
				if err, ok := a.Value.Any().(error); ok {
					return slog.String(a.Key, nid.MaskText(err.Error()))
				}
			}
			return a
		},
	}))
}
