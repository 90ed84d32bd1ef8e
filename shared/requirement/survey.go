package requirement

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"time"

	"github.com/ecpa-lifelong/backoffice/shared/codes"
)

// SurveysFile lists, per year, the gender-mainstreaming survey (P17): its
// deadline, the course category it counts (with the categories below it) and
// the agencies required to report (";"-separated codes).
const SurveysFile = "gender-survey.csv"

// Survey is one year's P17 survey.
type Survey struct {
	Year     int      `dynamo:"year" json:"year"`
	Deadline string   `dynamo:"deadline" json:"deadline"` // ISO date, the last Taipei day to edit
	Category string   `dynamo:"category" json:"category"`
	Agencies []string `dynamo:"agencies" json:"agencies"`
}

// Requires reports whether agency code must report that year.
func (s Survey) Requires(code string) bool { return slices.Contains(s.Agencies, code) }

// SurveyOf returns the survey of a year.
func (t *Tables) SurveyOf(year int) (Survey, bool) {
	for _, s := range t.Surveys {
		if s.Year == year {
			return s, true
		}
	}
	return Survey{}, false
}

// ParseSurveys reads gender-survey.csv: year,deadline,category,agencies.
func ParseSurveys(r io.Reader, cats *codes.Table) ([]Survey, error) {
	data, err := rows(SurveysFile, r, []string{"year", "deadline", "category", "agencies"})
	if err != nil {
		return nil, err
	}
	seen := map[int]bool{}
	out := make([]Survey, 0, len(data))
	for i, row := range data {
		line := i + 2
		y, err := strconv.Atoi(row[0])
		if err != nil || y < 2000 || y > 2200 || seen[y] {
			return nil, fmt.Errorf("%s line %d: year %q (a western year, once)", SurveysFile, line, row[0])
		}
		seen[y] = true
		if _, err := time.Parse(time.DateOnly, row[1]); err != nil {
			return nil, fmt.Errorf("%s line %d: deadline %q is not a date (yyyy-mm-dd)", SurveysFile, line, row[1])
		}
		if !known(cats, row[2]) {
			return nil, fmt.Errorf("%s line %d: category %q is not in the category table", SurveysFile, line, row[2])
		}
		out = append(out, Survey{Year: y, Deadline: row[1], Category: row[2], Agencies: list(row[3])})
	}
	return out, nil
}
