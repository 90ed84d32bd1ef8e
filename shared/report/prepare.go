package report

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/ecpa-lifelong/backoffice/shared/agency"
	"github.com/ecpa-lifelong/backoffice/shared/auth"
	"github.com/ecpa-lifelong/backoffice/shared/errcode"
	"github.com/ecpa-lifelong/backoffice/shared/export"
	"github.com/ecpa-lifelong/backoffice/shared/limits"
	"github.com/ecpa-lifelong/backoffice/shared/roc"
)

// Agencies reads the agency tree.
type Agencies interface {
	Get(ctx context.Context, code string) (agency.Agency, error)
	Subtree(ctx context.Context, a agency.Agency) ([]agency.Agency, error)
}

// Years a report may ask for: the portal's records start in ROC 90.
const (
	FirstYear = 2001
	maxAhead  = 1 // next year: classes are planned ahead
)

// Prepare checks raw parameters for the caller against the definition: every
// declared parameter is filled (default) and checked at once (all field errors
// in one answer), the agency must lie in the caller's subtree. It answers the
// query (without cursor) and the conditions in Chinese, for the screen and the
// export's cover.
func Prepare(ctx context.Context, ag Agencies, d Definition, c auth.Caller, raw map[string]string, now time.Time) (Query, []export.Condition, error) {
	params, conds, err := check(d, c, raw, now)
	if err != nil {
		return Query{}, nil, err
	}
	q, err := resolve(ctx, ag, d, params, now)
	if err != nil {
		return Query{}, nil, err
	}
	if d.Scoped && !c.InScope(q.Agency) {
		return Query{}, nil, errcode.New(errcode.AgencyForbidden, "您只能查詢目前服務機關（"+c.Active.Name+"）及其所屬機關。")
	}
	for i := range conds {
		if conds[i].Label == "機關" {
			conds[i].Value = q.Agency.Name + "（" + q.Agency.Code + "）"
		}
	}
	return q, conds, nil
}

// check fills defaults and validates each parameter by its kind.
func check(d Definition, c auth.Caller, raw map[string]string, now time.Time) (map[string]string, []export.Condition, error) {
	if d.Scoped && raw[AgencyKey] == AllAgencies { // 全部機關: whatever 範圍 says
		all := maps.Clone(raw)
		all[AgencyKey], all[ScopeKey] = c.Active.Code, Subtree
		raw = all
	}
	var fe errcode.Fields
	params := map[string]string{}
	var conds []export.Condition
	for _, p := range d.AllParams() {
		v := raw[p.Key]
		if v == "" {
			v = defaultOf(p, c, now)
		}
		if v == "" {
			if p.Required {
				fe.Add(errcode.Field(p.Key, "請填寫「"+p.Label+"」。"))
			}
			continue
		}
		shown, err := checkValue(p, v, now)
		if !fe.Add(err) {
			continue
		}
		params[p.Key] = v
		conds = append(conds, export.Condition{Label: p.Label, Value: shown})
	}
	if err := fe.Err(); err != nil {
		return nil, nil, err
	}
	if d.Check != nil {
		if err := d.Check(params); err != nil {
			return nil, nil, err
		}
	}
	return params, conds, nil
}

// defaultOf is a parameter's default for the caller now: its declared one,
// else this Taipei year for a year and the active agency for an agency.
func defaultOf(p Param, c auth.Caller, now time.Time) string {
	switch {
	case p.Default != "":
		return p.Default
	case p.Kind == Year:
		return strconv.Itoa(roc.Year(now))
	case p.Kind == Agency:
		return c.Active.Code
	}
	return ""
}

// checkValue validates one value and answers how the conditions show it.
func checkValue(p Param, v string, now time.Time) (string, error) {
	switch p.Kind {
	case Year:
		y, err := strconv.Atoi(v)
		if err != nil || y < FirstYear || y > roc.Year(now)+maxAhead {
			return "", errcode.Field(p.Key, fmt.Sprintf("「%s」須為西元 %d 至 %d 年。", p.Label, FirstYear, roc.Year(now)+maxAhead))
		}
		return fmt.Sprintf("民國 %d 年", y-1911), nil
	case Date:
		t, err := time.Parse(time.DateOnly, v)
		if err != nil || t.Year() < FirstYear || t.Year() > roc.Year(now)+maxAhead {
			return "", errcode.Field(p.Key, "「"+p.Label+"」不是正確的日期（例如 115/01/31）。")
		}
		return roc.Format(t), nil
	case Select:
		i := slices.IndexFunc(p.Options, func(o Option) bool { return o.Value == v })
		if i < 0 {
			return "", errcode.Field(p.Key, "「"+p.Label+"」請從清單中選擇。")
		}
		return p.Options[i].Label, nil
	case Check:
		if v != "1" {
			return "", errcode.Field(p.Key, "「"+p.Label+"」只能勾選或不勾選。")
		}
		return "是", nil
	case Agency:
		if !agency.ValidCode(v) {
			return "", errcode.Field(p.Key, "機關代碼須為 10 碼英數字。")
		}
		return v, nil
	default:
		max := p.Max
		if max == 0 {
			max = limits.Text
		}
		if err := limits.CheckText(p.Key, v, max, false); err != nil {
			return "", err
		}
		return v, nil
	}
}

// resolve turns checked parameters into a query: the agency and the
// agencies in scope. It trusts the parameters (Prepare checked them for the
// caller, or an export job recorded them after that check).
func resolve(ctx context.Context, ag Agencies, d Definition, params map[string]string, now time.Time) (Query, error) {
	q := Query{Params: params, Now: now}
	if !d.Scoped {
		return q, nil
	}
	a, err := ag.Get(ctx, params[AgencyKey])
	if errcode.Is(err, errcode.NotFound) {
		return Query{}, errcode.Field(AgencyKey, "查無此機關代碼。")
	}
	if err != nil {
		return Query{}, err
	}
	q.Agency, q.Agencies = a, []agency.Agency{a}
	if params[ScopeKey] == Subtree {
		if q.Agencies, err = ag.Subtree(ctx, a); err != nil {
			return Query{}, err
		}
	}
	return q, nil
}
