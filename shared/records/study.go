package records

import (
	"strings"

	"github.com/ecpa-lifelong/backoffice/shared/codes"
)

// Further study (L6c) has no course category: its record's category is
// Study followed by its 進修類別 (1–4). Its hours are certified hours like
// any other, so every breakdown by course category or category group shows
// them in a column (or group) of their own, keyed Study and named StudyName,
// for a row's parts to add up to its total (STATISTICS.md, 進修).
const (
	Study     = "study"
	StudyName = "進修"
)

// StudyTypes name the 進修類別 (the L6c upload's and form's 1–4).
var StudyTypes = map[string]string{"1": "國內學位進修", "2": "國外學位進修", "3": "學分進修", "4": "其他進修"}

// IsStudy reports whether a record's category is further study's.
func IsStudy(category string) bool { return strings.HasPrefix(category, Study) }

// CategoryName is how a record's category reads to an officer: the course
// category's name, 進修 and its 進修類別 for further study, or the code when
// neither is known.
func CategoryName(cats *codes.Table, category string) string {
	if category == Study {
		return StudyName
	}
	if e, ok := cats.Lookup(category); ok {
		return e.Name
	}
	if n, ok := StudyTypes[strings.TrimPrefix(category, Study)]; ok && IsStudy(category) {
		return StudyName + "：" + n
	}
	return category
}
