package query

import "slices"

// checkCustom enforces custom rules (spec 2.4): admission of the analysis
// (the template allowed by every table, or ANY_QUERY from an allowed
// provider), the function allowlist, and disallowed output columns.
func checkCustom(node obj, c Context, tables []string) error {
	for _, name := range tables {
		t := c.Tables[name]
		p := t.Policy.Custom
		if c.TemplateARN != "" {
			if !slices.Contains(p.AllowedAnalyses, c.TemplateARN) {
				return refusef("custom rule: table %s does not allow analysis template %s", name, c.TemplateARN)
			}
		} else {
			if !slices.Contains(p.AllowedAnalyses, "ANY_QUERY") {
				return refusef("custom rule: table %s allows only approved analysis templates, not free-form queries", name)
			}
			if len(p.AllowedAnalysisProviders) == 0 {
				return refusef("custom rule: table %s allows ANY_QUERY but names no analysis providers", name)
			}
			if !slices.Contains(p.AllowedAnalysisProviders, c.QuerierAccountID) {
				return refusef("custom rule: table %s does not allow free-form queries from account %s", name, c.QuerierAccountID)
			}
		}
	}
	w := &walker{c: c, rule: "custom rule", allowed: customAllowed}
	cols, err := w.query(node, nil)
	if err != nil {
		return err
	}
	if n := countExprs(node); n != w.visited {
		return w.refuse("unsupported construct in the query (%d expressions not classified)", n-w.visited)
	}
	for _, col := range cols {
		if len(col.lineage) > 0 {
			k := col.lineage[0]
			return refusef("custom rule: column %s of table %s is a disallowed output column and may not appear in the query's output, directly or derived", k.column, k.table)
		}
	}
	return nil
}
