package auth_test

import (
	"encoding/base64"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/ecpa-lifelong/backoffice/infra/local/stack"
	"github.com/ecpa-lifelong/backoffice/infra/local/stacktest"
	"github.com/ecpa-lifelong/backoffice/shared/account"
	"github.com/ecpa-lifelong/backoffice/shared/auth"
	"github.com/ecpa-lifelong/backoffice/shared/demo"
	"github.com/ecpa-lifelong/backoffice/shared/export"
)

func TestMain(m *testing.M) { os.Exit(stacktest.Main(m)) }

// need says who may call a route. It is written here, apart from routes.go,
// so a route that loses or changes its guard fails this test.
type need string

const (
	open      need = "open"      // no token needed
	signedIn  need = "signed-in" // any officer or statistics account
	officer   need = "officer"   // any officer
	statsOnly need = "stats"     // a statistics account (the route itself refuses officers)
	learner   need = "learner"   // an SSO token of a civil servant in the directory (no demo user is one)
	session   need = "session"   // any valid token, a disabled account's too: ending a session never harms
	platform  need = "platform"  // a platform client's token (自動時數上傳), and nothing else
)

// route is the call the matrix makes for a served route, and who may make it.
type route struct {
	path string // the route's pattern with its parameters filled in
	body any
	need need // or a feature ID
}

// routes has the expected answers for every route the functions serve, by
// the pattern their routers register; TestAuthorizationMatrix fails when a
// served route is missing here (a new route must say who may call it) or
// when an entry here is served by no router.
var routes = map[string]route{
	"GET /api/reports":                                   {"/api/reports", nil, signedIn},
	"POST /api/statistics/recompute":                     {"/api/statistics/recompute", map[string]any{"year": 1999}, "P8|P9|P10|P11|R1|R2|R3"},
	"GET /api/statistics/recompute":                      {"/api/statistics/recompute?year=1999", nil, "P8|P9|P10|P11|R1|R2|R3"},
	"GET /api/business-categories":                       {"/api/business-categories", nil, "P14"},
	"PUT /api/business-categories":                       {"/api/business-categories", map[string]any{"categories": []string{"nope"}}, "P14"},
	"GET /api/gender-survey":                             {"/api/gender-survey", nil, "P17"},
	"PUT /api/gender-survey":                             {"/api/gender-survey", map[string]any{"agency": "nope"}, "P17"},
	"GET /api/gender-survey/agencies":                    {"/api/gender-survey/agencies", nil, "P17"},
	"GET /api/reports/R2":                                {"/api/reports/R2", nil, "report:R2"},
	"POST /api/exports/R2":                               {"/api/exports/R2", map[string]any{"format": "xlsx"}, "report:R2"},
	"GET /api/exports/R2":                                {"/api/exports/R2", nil, "report:R2"},
	"GET /api/reports/P7-units":                          {"/api/reports/P7-units", nil, "report:P7"},
	"POST /api/exports/P7-units":                         {"/api/exports/P7-units", map[string]any{"format": "xlsx"}, "report:P7"},
	"GET /api/exports/P7-units":                          {"/api/exports/P7-units", nil, "report:P7"},
	"GET /api/reports/P3":                                {"/api/reports/P3", nil, "report:P3"},
	"POST /api/exports/P3":                               {"/api/exports/P3", map[string]any{"format": "xlsx"}, "report:P3"},
	"GET /api/exports/P3":                                {"/api/exports/P3", nil, "report:P3"},
	"GET /api/reports/P1":                                {"/api/reports/P1", nil, "report:P1"},
	"POST /api/exports/P1":                               {"/api/exports/P1", map[string]any{"format": "xlsx"}, "report:P1"},
	"GET /api/exports/P1":                                {"/api/exports/P1", nil, "report:P1|P2"},
	"GET /api/reports/P6":                                {"/api/reports/P6", nil, "report:P6"},
	"POST /api/exports/P6":                               {"/api/exports/P6", map[string]any{"format": "xlsx"}, "report:P6"},
	"GET /api/exports/P6":                                {"/api/exports/P6", nil, "report:P6"},
	"GET /api/reports/R4":                                {"/api/reports/R4", nil, "report:R4"},
	"POST /api/exports/R4":                               {"/api/exports/R4", map[string]any{"format": "xlsx"}, "report:R4"},
	"GET /api/exports/R4":                                {"/api/exports/R4", nil, "report:R4"},
	"GET /api/reports/R4-courses":                        {"/api/reports/R4-courses", nil, "report:R4"},
	"POST /api/exports/R4-courses":                       {"/api/exports/R4-courses", map[string]any{"format": "xlsx"}, "report:R4"},
	"GET /api/exports/R4-courses":                        {"/api/exports/R4-courses", nil, "report:R4"},
	"GET /api/reports/P18":                               {"/api/reports/P18", nil, "report:P18"},
	"POST /api/exports/P18":                              {"/api/exports/P18", map[string]any{"format": "xlsx"}, "report:P18"},
	"GET /api/exports/P18":                               {"/api/exports/P18", nil, "report:P18"},
	"GET /api/reports/P18-stats":                         {"/api/reports/P18-stats", nil, "report:P18"},
	"POST /api/exports/P18-stats":                        {"/api/exports/P18-stats", map[string]any{"format": "xlsx"}, "report:P18"},
	"GET /api/exports/P18-stats":                         {"/api/exports/P18-stats", nil, "report:P18"},
	"GET /api/reports/P5":                                {"/api/reports/P5", nil, "report:P5"},
	"POST /api/exports/P5":                               {"/api/exports/P5", map[string]any{"format": "xlsx"}, "report:P5"},
	"GET /api/exports/P5":                                {"/api/exports/P5", nil, "report:P5"},
	"GET /api/reports/P5-courses":                        {"/api/reports/P5-courses", nil, "report:P5"},
	"POST /api/exports/P5-courses":                       {"/api/exports/P5-courses", map[string]any{"format": "xlsx"}, "report:P5"},
	"GET /api/exports/P5-courses":                        {"/api/exports/P5-courses", nil, "report:P5"},
	"GET /api/reports/P5-details":                        {"/api/reports/P5-details", nil, "report:P5"},
	"POST /api/exports/P5-details":                       {"/api/exports/P5-details", map[string]any{"format": "xlsx"}, "report:P5"},
	"GET /api/exports/P5-details":                        {"/api/exports/P5-details", nil, "report:P5"},
	"GET /api/reports/P7":                                {"/api/reports/P7", nil, "report:P7"},
	"POST /api/exports/P7":                               {"/api/exports/P7", map[string]any{"format": "xlsx"}, "report:P7"},
	"GET /api/exports/P7":                                {"/api/exports/P7", nil, "report:P7"},
	"GET /api/reports/P12":                               {"/api/reports/P12", nil, "report:P12"},
	"POST /api/exports/P12":                              {"/api/exports/P12", map[string]any{"format": "xlsx"}, "report:P12"},
	"GET /api/exports/P12":                               {"/api/exports/P12", nil, "report:P12"},
	"GET /api/reports/P13":                               {"/api/reports/P13", nil, "report:P13"},
	"POST /api/exports/P13":                              {"/api/exports/P13", map[string]any{"format": "xlsx"}, "report:P13"},
	"GET /api/exports/P13":                               {"/api/exports/P13", nil, "report:P13"},
	"GET /api/reports/P13-people":                        {"/api/reports/P13-people", nil, "report:P13"},
	"POST /api/exports/P13-people":                       {"/api/exports/P13-people", map[string]any{"format": "xlsx"}, "report:P13"},
	"GET /api/exports/P13-people":                        {"/api/exports/P13-people", nil, "report:P13"},
	"GET /api/reports/P8":                                {"/api/reports/P8", nil, "report:P8"},
	"POST /api/exports/P8":                               {"/api/exports/P8", map[string]any{"format": "xlsx"}, "report:P8"},
	"GET /api/exports/P8":                                {"/api/exports/P8", nil, "report:P8"},
	"GET /api/reports/P8-people":                         {"/api/reports/P8-people", nil, "report:P8"},
	"POST /api/exports/P8-people":                        {"/api/exports/P8-people", map[string]any{"format": "xlsx"}, "report:P8"},
	"GET /api/exports/P8-people":                         {"/api/exports/P8-people", nil, "report:P8"},
	"GET /api/reports/P9":                                {"/api/reports/P9", nil, "report:P9"},
	"POST /api/exports/P9":                               {"/api/exports/P9", map[string]any{"format": "xlsx"}, "report:P9"},
	"GET /api/exports/P9":                                {"/api/exports/P9", nil, "report:P9"},
	"GET /api/reports/P9-people":                         {"/api/reports/P9-people", nil, "report:P9"},
	"POST /api/exports/P9-people":                        {"/api/exports/P9-people", map[string]any{"format": "xlsx"}, "report:P9"},
	"GET /api/exports/P9-people":                         {"/api/exports/P9-people", nil, "report:P9"},
	"GET /api/reports/P10":                               {"/api/reports/P10", nil, "report:P10"},
	"POST /api/exports/P10":                              {"/api/exports/P10", map[string]any{"format": "xlsx"}, "report:P10"},
	"GET /api/exports/P10":                               {"/api/exports/P10", nil, "report:P10"},
	"GET /api/reports/P10-people":                        {"/api/reports/P10-people", nil, "report:P10"},
	"POST /api/exports/P10-people":                       {"/api/exports/P10-people", map[string]any{"format": "xlsx"}, "report:P10"},
	"GET /api/exports/P10-people":                        {"/api/exports/P10-people", nil, "report:P10"},
	"GET /api/reports/P11":                               {"/api/reports/P11", nil, "report:P11"},
	"POST /api/exports/P11":                              {"/api/exports/P11", map[string]any{"format": "xlsx"}, "report:P11"},
	"GET /api/exports/P11":                               {"/api/exports/P11", nil, "report:P11"},
	"GET /api/reports/P11-people":                        {"/api/reports/P11-people", nil, "report:P11"},
	"POST /api/exports/P11-people":                       {"/api/exports/P11-people", map[string]any{"format": "xlsx"}, "report:P11"},
	"GET /api/exports/P11-people":                        {"/api/exports/P11-people", nil, "report:P11"},
	"GET /api/reports/R3":                                {"/api/reports/R3", nil, "report:R3"},
	"POST /api/exports/R3":                               {"/api/exports/R3", map[string]any{"format": "xlsx"}, "report:R3"},
	"GET /api/exports/R3":                                {"/api/exports/R3", nil, "report:R3"},
	"GET /api/reports/R3-people":                         {"/api/reports/R3-people", nil, "report:R3"},
	"POST /api/exports/R3-people":                        {"/api/exports/R3-people", map[string]any{"format": "xlsx"}, "report:R3"},
	"GET /api/exports/R3-people":                         {"/api/exports/R3-people", nil, "report:R3"},
	"GET /api/reports/R1":                                {"/api/reports/R1", nil, "report:R1"},
	"POST /api/exports/R1":                               {"/api/exports/R1", map[string]any{"format": "xlsx"}, "report:R1"},
	"GET /api/exports/R1":                                {"/api/exports/R1", nil, "report:R1"},
	"GET /api/reports/R1-classes":                        {"/api/reports/R1-classes", nil, "report:R1"},
	"POST /api/exports/R1-classes":                       {"/api/exports/R1-classes", map[string]any{"format": "xlsx"}, "report:R1"},
	"GET /api/exports/R1-classes":                        {"/api/exports/R1-classes", nil, "report:R1"},
	"GET /api/reports/P10-categories":                    {"/api/reports/P10-categories", nil, "report:P10"},
	"POST /api/exports/P10-categories":                   {"/api/exports/P10-categories", map[string]any{"format": "xlsx"}, "report:P10"},
	"GET /api/exports/P10-categories":                    {"/api/exports/P10-categories", nil, "report:P10"},
	"GET /api/reports/P11-categories":                    {"/api/reports/P11-categories", nil, "report:P11"},
	"POST /api/exports/P11-categories":                   {"/api/exports/P11-categories", map[string]any{"format": "xlsx"}, "report:P11"},
	"GET /api/exports/P11-categories":                    {"/api/exports/P11-categories", nil, "report:P11"},
	"GET /api/health":                                    {"/api/health", nil, open},
	"GET /api/openapi.json":                              {"/api/openapi.json", nil, open},
	"GET /api/auth/config":                               {"/api/auth/config", nil, open},
	"PUT /api/auth/stats/password":                       {"/api/auth/stats/password", map[string]string{"current": "x", "new": "y"}, statsOnly},
	"GET /api/me":                                        {"/api/me", nil, signedIn},
	"PUT /api/me/agency":                                 {"/api/me/agency", map[string]string{"agency": "nope"}, officer},
	"GET /api/agencies":                                  {"/api/agencies", nil, signedIn},
	"GET /api/agencies/roster-template":                  {"/api/agencies/roster-template", nil, officer},
	"GET /api/members":                                   {"/api/members", nil, "L8"},
	"POST /api/members":                                  {"/api/members", map[string]any{}, "L8"},
	"GET /api/members/{id}":                              {"/api/members/nobody", nil, "L8"},
	"PUT /api/members/{id}":                              {"/api/members/nobody", map[string]any{}, "L8"},
	"POST /api/members/{id}/disable":                     {"/api/members/nobody/disable", nil, "L8"},
	"POST /api/members/{id}/enable":                      {"/api/members/nobody/enable", nil, "L8"},
	"GET /api/members/{id}/audit":                        {"/api/members/nobody/audit", nil, "L8"},
	"GET /api/stats-accounts":                            {"/api/stats-accounts", nil, "L8"},
	"POST /api/stats-accounts/{username}/reset-password": {"/api/stats-accounts/nobody/reset-password", nil, "L8"},
	"GET /api/home":                                      {"/api/home", nil, officer},
	"GET /api/home/manual":                               {"/api/home/manual", nil, signedIn},
	"POST /api/home/manual/upload-url":                   {"/api/home/manual/upload-url", map[string]any{}, "SYS"},
	"PUT /api/home/manual":                               {"/api/home/manual", map[string]any{}, "SYS"},
	"GET /api/announcements":                             {"/api/announcements", nil, "SYS"},
	"POST /api/announcements":                            {"/api/announcements", map[string]any{}, "SYS"},
	"PUT /api/announcements/{id}":                        {"/api/announcements/nothing", map[string]any{}, "SYS"},
	"POST /api/announcements/{id}/expire":                {"/api/announcements/nothing/expire", nil, "SYS"},
	"GET /api/classes":                                   {"/api/classes", nil, "L5"},
	"GET /api/courses":                                   {"/api/courses", nil, "L2"},
	"POST /api/courses":                                  {"/api/courses", map[string]any{}, "L2"},
	"GET /api/courses/{code}/{session}":                  {"/api/courses/NOPE/1", nil, "L2"},
	"PUT /api/courses/{code}/{session}":                  {"/api/courses/NOPE/1", map[string]any{}, "L2"},
	"DELETE /api/courses/{code}/{session}":               {"/api/courses/NOPE/1", nil, "L2"},
	"POST /api/courses/{code}/{session}/cancel":          {"/api/courses/NOPE/1/cancel", nil, "L2"},
	"GET /api/subjects":                                  {"/api/subjects", nil, officer},
	"POST /api/subjects":                                 {"/api/subjects", map[string]any{}, "L2"},
	"GET /api/lecturers":                                 {"/api/lecturers", nil, "L3"},
	"POST /api/lecturers":                                {"/api/lecturers", map[string]any{}, "L3"},
	"GET /api/lecturers/{id}":                            {"/api/lecturers/nobody", nil, "L3"},
	"PUT /api/lecturers/{id}":                            {"/api/lecturers/nobody", map[string]any{}, "L3"},
	"DELETE /api/lecturers/{id}":                         {"/api/lecturers/nobody", nil, "L3"},
	"GET /api/lecturer-db":                               {"/api/lecturer-db", nil, "L4"},
	"GET /api/lecturer-db/{id}":                          {"/api/lecturer-db/nobody", nil, "L4"},
	"GET /api/materials":                                 {"/api/materials", nil, "L7"},
	"POST /api/materials":                                {"/api/materials", map[string]any{}, "L7"},
	"GET /api/materials/{id}":                            {"/api/materials/nothing", nil, "L7"},
	"PUT /api/materials/{id}":                            {"/api/materials/nothing", map[string]any{}, "L7"},
	"GET /api/codes/{table}":                             {"/api/codes/cities", nil, officer},
	"GET /api/front/classes":                             {"/api/front/classes", nil, open},
	"GET /api/imports/kinds":                             {"/api/imports/kinds", nil, officer},
	"GET /api/imports/kinds/{kind}/template":             {"/api/imports/kinds/courses/template", nil, officer},
	"POST /api/imports":                                  {"/api/imports", map[string]any{"kind": "nothing"}, officer},
	"GET /api/imports/jobs":                              {"/api/imports/jobs", nil, "L1"},
	"GET /api/imports/jobs/{id}":                         {"/api/imports/jobs/nothing", nil, officer},
	"GET /api/imports/personnel/held":                    {"/api/imports/personnel/held", nil, "SYS"},
	"GET /api/imports/personnel/plans/{id}":              {"/api/imports/personnel/plans/nothing", nil, "SYS"},
	"POST /api/imports/personnel/plans/{id}/decision":    {"/api/imports/personnel/plans/nothing/decision", map[string]any{}, "SYS"},
	"GET /api/imports/jobs/{id}/rows":                    {"/api/imports/jobs/nothing/rows", nil, officer},
	"GET /api/imports/jobs/{id}/original":                {"/api/imports/jobs/nothing/original", nil, officer},
	"POST /api/imports/jobs/{id}/result":                 {"/api/imports/jobs/nothing/result", map[string]any{}, officer},
	"GET /api/imports/results/{id}":                      {"/api/imports/results/nothing", nil, officer},
	"POST /api/imports/searches":                         {"/api/imports/searches", map[string]any{"q": ""}, "L1|P4"},
	"GET /api/imports/searches/{id}":                     {"/api/imports/searches/nothing", nil, "L1|P4"},
	"GET /api/imports/nomination-jobs":                   {"/api/imports/nomination-jobs", nil, "P4"},
	"GET /api/front/enrollments/{code}/{session}":        {"/api/front/enrollments/NOPE/1", nil, learner},
	"POST /api/front/enrollments/{code}/{session}":       {"/api/front/enrollments/NOPE/1", map[string]any{}, learner},
	"DELETE /api/front/enrollments/{code}/{session}":     {"/api/front/enrollments/NOPE/1", nil, learner},
	"GET /api/front/records":                             {"/api/front/records", nil, learner},
	"POST /api/front/records":                            {"/api/front/records", map[string]any{}, learner},
	"GET /api/reviews":                                   {"/api/reviews", nil, "P15"},
	"POST /api/reviews/decisions":                        {"/api/reviews/decisions", map[string]any{"decisions": []any{}}, "P15"},
	"GET /api/corrections":                               {"/api/corrections", nil, "P16"},
	"PUT /api/corrections":                               {"/api/corrections", map[string]any{"changes": []any{}}, "P16"},
	"GET /api/corrections/audit":                         {"/api/corrections/audit", nil, "P16"},
	"GET /api/enrollments/{code}/{session}":              {"/api/enrollments/NOPE/1", nil, "L5"},
	"POST /api/enrollments/{code}/{session}/decisions":   {"/api/enrollments/NOPE/1/decisions", map[string]any{}, "L5"},
	"POST /api/enrollments/{code}/{session}/approve-all": {"/api/enrollments/NOPE/1/approve-all", nil, "L5"},
	"POST /api/enrollments/{code}/{session}/reject-all":  {"/api/enrollments/NOPE/1/reject-all", map[string]any{"reason": "x"}, "L5"},
	"GET /api/enrollments/{code}/{session}/signin":       {"/api/enrollments/NOPE/1/signin", nil, "L5"},
	"GET /api/learning-hours/external":                   {"/api/learning-hours/external", nil, "L6b"},
	"PUT /api/learning-hours/external/{ref}":             {"/api/learning-hours/external/nope", map[string]any{"hours": 1}, "L6b"},
	"POST /api/learning-hours/external/delete":           {"/api/learning-hours/external/delete", map[string]any{"refs": []string{"nope"}}, "L6b"},
	"GET /api/learning-hours/study":                      {"/api/learning-hours/study", nil, "L6c"},
	"PUT /api/learning-hours/study/{ref}":                {"/api/learning-hours/study/nope", map[string]any{"hours": 1}, "L6c"},
	"POST /api/learning-hours/study/delete":              {"/api/learning-hours/study/delete", map[string]any{"refs": []string{"nope"}}, "L6c"},
	"GET /api/class-hours":                               {"/api/class-hours", nil, "L6a"},
	"GET /api/class-hours/{code}/{session}":              {"/api/class-hours/NOPE/1", nil, "L6a"},
	"PUT /api/class-hours/{code}/{session}":              {"/api/class-hours/NOPE/1", map[string]any{"grades": []any{}}, "L6a"},
	"POST /api/class-hours/{code}/{session}/delete":      {"/api/class-hours/NOPE/1/delete", map[string]any{"personIds": []any{}}, "L6a"},
	"GET /api/nominations":                               {"/api/nominations", nil, "P3"},
	"GET /api/nominations/classes":                       {"/api/nominations/classes", nil, "P3"},
	"POST /api/exports/roster":                           {"/api/exports/roster", map[string]any{"format": "xlsx", "params": map[string]string{}}, "L5"},
	"GET /api/exports/roster":                            {"/api/exports/roster", nil, "L5"},
	"POST /api/exports/courses":                          {"/api/exports/courses", map[string]any{"format": "xlsx", "params": map[string]string{"year": "x"}}, "L2"},
	"GET /api/exports/courses":                           {"/api/exports/courses", nil, "L2"},
	"GET /api/exports/jobs/{id}":                         {"/api/exports/jobs/nothing", nil, signedIn},
	"GET /api/exports/jobs/{id}/download":                {"/api/exports/jobs/nothing/download", nil, signedIn},
	"POST /api/auth/stats/login":                         {"/api/auth/stats/login", map[string]string{"username": "nobody", "password": "x"}, open},
	"POST /api/auth/signout":                             {"/api/auth/signout", nil, session},
	"POST /api/platform/token":                           {"/api/platform/token", nil, open},
	"GET /api/platform-clients":                          {"/api/platform-clients", nil, "SYS"},
	"POST /api/platform-clients":                         {"/api/platform-clients", map[string]any{"name": "", "agency": "nope"}, "SYS"},
	"POST /api/platform-clients/{id}/revoke":             {"/api/platform-clients/nothing/revoke", nil, "SYS"},
	"POST /api/platform/records":                         {"/api/platform/records", map[string]any{"records": []any{}}, platform},
	"POST /api/platform/uploads":                         {"/api/platform/uploads", map[string]any{"size": 0}, platform},
	"GET /api/platform/jobs/{id}":                        {"/api/platform/jobs/nothing", nil, platform},
}

// endsSession is called last for each caller: it signs the caller out.
const endsSession = "POST /api/auth/signout"

type caller struct {
	name     string
	kind     string          // officer, stats, disabled, anonymous
	features map[string]bool // granted in the home agency
}

func callers(d demo.Data) []caller {
	var out []caller
	for _, u := range d.Users {
		c := caller{name: u.ID, kind: "officer", features: map[string]bool{}}
		if u.Disabled {
			c.kind = "disabled"
		}
		for _, f := range u.Grants[u.Agency] {
			c.features[f] = true
		}
		out = append(out, c)
	}
	stats := map[string]bool{"S1": true}
	for _, f := range account.DefaultStatsReports {
		stats[f] = true
	}
	return append(out, caller{name: "stats.moi", kind: "stats", features: stats},
		caller{name: "stats.tpe", kind: "mustchange", features: stats},
		caller{name: "anonymous", kind: "anonymous"}, caller{name: demo.PlatformID, kind: "platform"})
}

// expect returns the status family a caller must get: "ok" (the guard let it
// through: any status but 401/403), or the exact denial.
func expect(c caller, r route) (status int, code string) {
	if r.need == open {
		return 0, ""
	}
	if r.need == platform || c.kind == "platform" { // platform tokens and routes meet only each other
		switch {
		case c.kind == "anonymous":
			return 401, ""
		case c.kind == "platform" && r.need == platform:
			return 0, ""
		}
		return 403, "forbidden"
	}
	if r.need == session {
		if c.kind == "anonymous" {
			return 401, ""
		}
		return 0, ""
	}
	if r.need == learner { // learner routes never consult back-office accounts (disabled or not)
		if c.kind == "anonymous" {
			return 401, ""
		}
		return 403, "forbidden"
	}
	switch c.kind {
	case "anonymous":
		return 401, "" // API Gateway: no identity source
	case "disabled":
		return 403, "account_disabled"
	case "mustchange": // 須變更密碼: the password change and /api/me only (sign-out is a session route)
		if r.path == "/api/me" || r.path == "/api/auth/stats/password" {
			return 0, ""
		}
		return 403, "password_change_required"
	}
	switch r.need {
	case signedIn:
		return 0, ""
	case officer:
		if c.kind == "stats" {
			return 403, "forbidden"
		}
		return 0, ""
	case statsOnly:
		if c.kind != "stats" {
			return 403, "forbidden"
		}
		return 0, ""
	}
	need, report := strings.CutPrefix(string(r.need), "report:")
	if c.kind == "stats" && !report { // a statistics account reaches only the reports granted to it
		return 403, "forbidden"
	}
	for _, f := range strings.Split(need, "|") { // "P1|P2": either grant
		if c.features[f] {
			return 0, ""
		}
	}
	return 403, "forbidden"
}

func TestAuthorizationMatrix(t *testing.T) {
	env := stacktest.Start(t, stacktest.Options{People: 50, Classes: 5})
	tokens := map[string]string{"anonymous": ""}
	for _, c := range callers(env.Data) {
		switch c.kind {
		case "anonymous":
		case "stats":
			tokens[c.name] = env.StatsLogin(t, c.name, demo.StatsPassword)
		case "mustchange": // as after an administrator's reset (L8)
			tokens[c.name] = env.StatsLogin(t, c.name, demo.StatsPassword)
			if err := env.Tables.Directory.Update("pk", "STATS#"+c.name).Range("sk", "STATS").Set("mustChange", true).Run(t.Context()); err != nil {
				t.Fatal(err)
			}
		case "platform":
			tokens[c.name] = env.PlatformLogin(t, demo.PlatformID, demo.PlatformSecret)
		default:
			tokens[c.name] = env.Token(t, c.name)
		}
	}
	served := stack.AllServed()
	for _, op := range served {
		if _, ok := routes[op]; !ok {
			t.Errorf("%s is served but the matrix has no expected answers for it: add it to routes", op)
		}
	}
	for op := range routes {
		if !slices.Contains(served, op) {
			t.Errorf("the matrix expects answers from %s, which no router serves", op)
		}
	}
	order := slices.DeleteFunc(slices.Clone(served), func(op string) bool { return op == endsSession })
	order = append(order, endsSession)
	checked := 0
	for _, c := range callers(env.Data) {
		for _, op := range order {
			r, ok := routes[op]
			if !ok {
				continue
			}
			method, _, _ := strings.Cut(op, " ")
			name := fmt.Sprintf("%s %s %s", c.name, method, r.path)
			got := env.Do(t, method, r.path, tokens[c.name], r.body)
			wantStatus, wantCode := expect(c, r)
			checked++
			if wantStatus == 0 {
				if refused(got) {
					t.Errorf("%s: refused with %d %s, want let through", name, got.Status, got.Body)
				}
				if got.Status >= 500 {
					t.Errorf("%s: %d %s", name, got.Status, got.Body)
				}
				continue
			}
			if got.Status != wantStatus || got.Code() != wantCode {
				t.Errorf("%s: got %d %s, want %d %q", name, got.Status, got.Body, wantStatus, wantCode)
			}
		}
	}
	t.Logf("checked %d caller × route pairs", checked)
}

// refused reports whether the gateway or the Guard turned the call away (a
// 401 bad_credentials from a handler that ran is not a refusal).
func refused(r stacktest.Response) bool {
	switch r.Code() {
	case "", "unauthenticated", "session_ended":
		if r.Status == 401 {
			return true
		}
	}
	switch r.Code() {
	case "", "forbidden", "account_disabled", "agency_forbidden":
		return r.Status == 403
	}
	return false
}

func TestAgencyScope(t *testing.T) {
	env := stacktest.Start(t, stacktest.Options{People: 50, Classes: 5})
	tests := []struct {
		name, user, method, path string
		body                     any
		status                   int
		code                     string
	}{
		{"list another agency's members by query", "moi.admin", "GET", "/api/members?agency=" + demo.TPE, nil, 403, "agency_forbidden"},
		{"read another agency's member by id", "moi.admin", "GET", "/api/members/tpe.hr", nil, 404, "not_found"},
		{"edit another agency's member by id", "moi.admin", "PUT", "/api/members/tpe.hr",
			map[string]any{"id": "tpe.hr", "name": "x", "agency": demo.TPE}, 404, "not_found"},
		{"disable another agency's member", "moi.admin", "POST", "/api/members/tpe.hr/disable", nil, 404, "not_found"},
		{"audit of another agency's member", "tpe.admin", "GET", "/api/members/moi.hr/audit", nil, 404, "not_found"},
		{"create a member in another agency", "moi.admin", "POST", "/api/members",
			map[string]any{"id": "new.one", "name": "新人", "agency": demo.TPE}, 403, "agency_forbidden"},
		{"reset another agency's statistics account", "moi.admin", "POST", "/api/stats-accounts/stats.tpe/reset-password", nil, 404, "not_found"},
		{"switch to an agency not held", "moi.hr", "PUT", "/api/me/agency", map[string]string{"agency": demo.TPE}, 403, "agency_forbidden"},
		{"a subordinate's top admin cannot reach the parent", "tpe.admin", "GET", "/api/members?agency=" + demo.MOI, nil, 403, "agency_forbidden"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := env.As(t, tt.user, tt.method, tt.path, tt.body)
			if got.Status != tt.status || got.Code() != tt.code {
				t.Fatalf("got %d %s, want %d %s", got.Status, got.Body, tt.status, tt.code)
			}
		})
	}
	// An export job is its requester's, in the agency they asked from: not
	// their colleague's, and not theirs once they act for another agency.
	job := export.Job{ID: "scope-1", Kind: "roster", Title: "研習名冊", Owner: "moi.hr", Agency: demo.MOI, Status: export.Done,
		Filename: "名冊.zip", Key: "exports/scope-1.zip", Password: "Secret-123", Created: time.Now(), Finished: time.Now()}
	if err := (export.Jobs{Table: env.Tables.Directory}).Create(t.Context(), job); err != nil {
		t.Fatal(err)
	}
	jobPaths := []string{"/api/exports/jobs/" + job.ID, "/api/exports/jobs/" + job.ID + "/download"}
	if r := env.As(t, "moi.hr", "GET", jobPaths[0], nil); r.Status != 200 || !strings.Contains(string(r.Body), job.Password) {
		t.Fatalf("the requester reads their job: %d %s", r.Status, r.Body)
	}
	if r := env.As(t, "moi.hr", "PUT", "/api/me/agency", map[string]string{"agency": demo.MOINPA}); r.Status != 204 {
		t.Fatalf("switch to 內政部警政署: %d %s", r.Status, r.Body)
	}
	for _, user := range []string{"moi.hr", "moi.admin", "tpe.admin"} {
		for _, path := range jobPaths {
			if r := env.As(t, user, "GET", path, nil); r.Status != 404 || r.Code() != "not_found" || strings.Contains(string(r.Body), job.Password) {
				t.Errorf("%s GET %s (moi.hr acting for 內政部警政署): %d %s, want 404 not_found", user, path, r.Status, r.Body)
			}
		}
	}
	if r := env.As(t, "moi.hr", "PUT", "/api/me/agency", map[string]string{"agency": demo.MOI}); r.Status != 204 {
		t.Fatalf("switch back to 內政部: %d %s", r.Status, r.Body)
	}
	if r := env.As(t, "moi.hr", "GET", jobPaths[1], nil); r.Status != 200 {
		t.Fatalf("back in 內政部, the requester downloads: %d %s", r.Status, r.Body)
	}

	// The list of one's own agency holds no one from another.
	var list struct {
		Items []struct{ ID, Agency string }
	}
	env.As(t, "moi.admin", "GET", "/api/members", nil).JSON(t, &list)
	if len(list.Items) == 0 {
		t.Fatal("moi.admin sees no members of their own agency")
	}
	for _, m := range list.Items {
		if m.Agency == demo.TPE || m.Agency == demo.DGPA {
			t.Errorf("moi.admin sees %s of agency %s", m.ID, m.Agency)
		}
	}
}

func TestTokens(t *testing.T) {
	env := stacktest.Start(t, stacktest.Options{People: 20, Classes: 2, NoDemo: false})
	iss := env.Getenv("SSO_ISSUER")
	now := time.Now()
	valid := map[string]any{"iss": iss, "aud": "lifelong-backoffice", "sub": "moi.hr", "jti": "j1",
		"iat": now.Unix(), "exp": now.Add(time.Hour).Unix()}
	with := func(k string, v any) map[string]any {
		m := map[string]any{}
		for kk, vv := range valid {
			m[kk] = vv
		}
		m[k] = v
		return m
	}
	sign := func(claims map[string]any) string {
		tok, err := env.SignClaims(claims)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	good := sign(valid)
	parts := strings.Split(good, ".")
	tampered := parts[0] + "." + strings.TrimRight(jwtSeg(t, with("sub", "moi.admin")), "=") + "." + parts[2]
	hsWrongKey, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
		"iss": "urn:ecpa-lifelong:backoffice", "aud": "backoffice-stats", "sub": "stats.moi", "jti": "x",
		"exp": now.Add(time.Hour).Unix()}).SignedString([]byte("0123456789abcdef0123456789abcdef"))
	none, _ := jwt.NewWithClaims(jwt.SigningMethodNone, jwt.MapClaims(valid)).SignedString(jwt.UnsafeAllowNoneSignatureType)

	if r := env.Do(t, "GET", "/api/me", good, nil); r.Status != 200 {
		t.Fatalf("valid token refused: %d %s", r.Status, r.Body)
	}
	bad := map[string]string{
		"expired":                sign(with("exp", now.Add(-time.Minute).Unix())),
		"wrong issuer":           sign(with("iss", "https://evil.example")),
		"wrong audience":         sign(with("aud", "another-app")),
		"forged payload":         tampered,
		"alg none":               none,
		"stats token, wrong key": hsWrongKey,
		"garbage":                "not.a.token",
		"no subject":             sign(with("sub", "")),
	}
	for name, tok := range bad {
		if r := env.Do(t, "GET", "/api/me", tok, nil); r.Status != 403 {
			t.Errorf("%s: got %d %s, want 403 from the authorizer", name, r.Status, r.Body)
		}
	}
	// Platform-client tokens: only the system's key, only their own short
	// life, only the platform routes; a stats token is not one.
	key, err := base64.StdEncoding.DecodeString(env.Getenv("SIGNING_KEY"))
	if err != nil {
		t.Fatal(err)
	}
	platformTok := func(aud string, iat, exp time.Time) string {
		s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"iss": auth.SystemIssuer, "aud": aud,
			"sub": demo.PlatformID, "jti": "p1", "iat": iat.Unix(), "exp": exp.Unix()}).SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	if r := env.Do(t, "GET", "/api/platform/jobs/none", platformTok(auth.PlatformAudience, now, now.Add(10*time.Minute)), nil); r.Status != 404 {
		t.Fatalf("a valid platform token: %d %s", r.Status, r.Body)
	}
	for name, tok := range map[string]string{
		"platform token, expired":         platformTok(auth.PlatformAudience, now.Add(-time.Hour), now.Add(-time.Minute)),
		"platform token living for a day": platformTok(auth.PlatformAudience, now, now.Add(24*time.Hour)),
		"platform token, no audience":     platformTok("", now, now.Add(time.Minute)),
		"platform token signed with another key": func() string {
			s, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"iss": auth.SystemIssuer, "aud": auth.PlatformAudience,
				"sub": demo.PlatformID, "jti": "p1", "iat": now.Unix(), "exp": now.Add(time.Minute).Unix()}).SignedString([]byte("0123456789abcdef0123456789abcdef"))
			return s
		}(),
	} {
		if r := env.Do(t, "GET", "/api/platform/jobs/none", tok, nil); r.Status != 403 {
			t.Errorf("%s: got %d %s, want 403 from the authorizer", name, r.Status, r.Body)
		}
	}
	// A statistics account's token is not a platform's, nor the other way round.
	statsTok := env.StatsLogin(t, "stats.moi", demo.StatsPassword)
	if r := env.Do(t, "GET", "/api/platform/jobs/none", statsTok, nil); r.Status != 403 || r.Code() != "forbidden" {
		t.Errorf("stats token on a platform route: %d %s", r.Status, r.Body)
	}
	if r := env.Do(t, "GET", "/api/me", platformTok(auth.PlatformAudience, now, now.Add(10*time.Minute)), nil); r.Status != 403 || r.Code() != "forbidden" {
		t.Errorf("platform token on /api/me: %d %s", r.Status, r.Body)
	}
	// A valid token of someone who is not a back-office user.
	if r := env.Do(t, "GET", "/api/me", sign(with("sub", "stranger")), nil); r.Status != 403 || r.Code() != "account_disabled" {
		t.Errorf("unknown user: %d %s", r.Status, r.Body)
	}
}

func jwtSeg(t *testing.T, claims map[string]any) string {
	t.Helper()
	tok := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims(claims))
	s, err := tok.SigningString()
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(s, ".")[1]
}

func TestSignOutEndsTheSessionServerSide(t *testing.T) {
	env := stacktest.Start(t, stacktest.Options{People: 20, Classes: 2})
	tok := env.Token(t, "moi.course")
	if r := env.Do(t, "GET", "/api/home", tok, nil); r.Status != 200 {
		t.Fatalf("before sign-out: %d %s", r.Status, r.Body)
	}
	if r := env.Do(t, "POST", "/api/auth/signout", tok, nil); r.Status != 204 {
		t.Fatalf("sign-out: %d %s", r.Status, r.Body)
	}
	for _, path := range []string{"/api/home", "/api/me"} {
		if r := env.Do(t, "GET", path, tok, nil); r.Status != 401 || r.Code() != "session_ended" {
			t.Errorf("after sign-out %s: %d %s, want 401 session_ended", path, r.Status, r.Body)
		}
	}
	// A new sign-in of the same user works.
	fresh, _ := env.Stack.Token(t.Context(), "moi.course", time.Hour)
	if r := env.Do(t, "GET", "/api/home", fresh, nil); r.Status != 200 {
		t.Errorf("new session: %d %s", r.Status, r.Body)
	}
}
