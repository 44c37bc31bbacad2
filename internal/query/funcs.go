package query

import "strings"

// The functions a custom-rule query may call: an allowlist, not a
// denylist, so that a function DuckDB adds later (or one that reads files,
// the catalog or the session: read_*, glob, getenv, current_setting,
// duckdb_*, pragma_*, query, ...) is refused until someone decides it is
// pure. Names are DuckDB's lower-case names as json_serialize_sql writes
// them, plus the Spark SQL and Clean Rooms SQL names spark.go translates.

func fnSet(names string) map[string]bool {
	m := map[string]bool{}
	for _, n := range strings.Fields(names) {
		m[n] = true
	}
	return m
}

// operatorFuncs are the operators the parser writes as functions
// (is_operator): arithmetic, string concatenation and LIKE forms.
var operatorFuncs = fnSet(`+ - * / // % ** ^ || ~~ !~~ ~~* !~~* ~~~ !~~~ & | << >> ~ @`)

// aggregateFuncs are the aggregate functions of the allowlist.
var aggregateFuncs = fnSet(`count count_star sum avg mean min max any_value arbitrary first last
	stddev stddev_samp stddev_pop variance var_samp var_pop median mode string_agg listagg group_concat
	count_if countif bool_and bool_or every corr covar_pop covar_samp quantile_cont quantile_disc
	approx_count_distinct approx_quantile arg_min arg_max min_by max_by product sumkahan fsum list array_agg
	bit_and bit_or bit_xor regr_slope regr_intercept regr_count regr_r2 regr_avgx regr_avgy entropy kurtosis skewness
	histogram collect_list collect_set percentile_approx`)

// windowFuncs are the window-only functions of the allowlist.
var windowFuncs = fnSet(`row_number rank dense_rank percent_rank cume_dist ntile lag lead first_value last_value nth_value`)

// scalarFuncs are pure scalar functions: their result depends on their
// arguments only (and the clock, for the date functions).
var scalarFuncs = fnSet(`abs ceil ceiling floor round trunc sqrt cbrt exp ln log log2 log10 pow power sign mod
	pi degrees radians sin cos tan asin acos atan atan2 greatest least isnan isinf isfinite even gcd lcm factorial
	random uuid gen_random_uuid
	lower upper lcase ucase length len char_length character_length strlen octet_length bit_length
	concat concat_ws substring substr left right trim ltrim rtrim lpad rpad repeat reverse replace translate
	position strpos instr contains starts_with ends_with prefix suffix split_part string_split str_split split
	regexp_matches regexp_replace regexp_extract regexp_full_match ascii chr ord unicode format printf
	md5 sha1 sha256 hash to_hex hex from_hex unhex to_base64 base64 from_base64 levenshtein hamming
	jaro_similarity jaro_winkler_similarity damerau_levenshtein jaccard editdist3 like_escape ilike_escape
	not_like_escape not_ilike_escape
	nullif ifnull coalesce
	date_part datepart date_diff datediff date_sub date_add date_trunc datetrunc strftime strptime
	year month day dayofmonth dayofweek dayofyear weekday week weekofyear yearweek isodow isoyear quarter
	hour minute second millisecond microsecond epoch epoch_ms epoch_us make_date make_time make_timestamp
	last_day monthname dayname current_date today now get_current_timestamp
	to_days to_hours to_minutes to_seconds to_months to_years to_weeks to_timestamp age
	list_value list_contains array_contains list_extract array_extract element_at list_concat array_length
	len cardinality struct_extract struct_pack row
	json_extract json_extract_string json_extract_path json_extract_path_text to_json json_array_length
	typeof`)

// sparkFuncs are the Spark SQL and Clean Rooms SQL (Redshift) functions
// that spark.go rewrites into DuckDB expressions.
var sparkFuncs = fnSet(`nvl nvl2 ifnull to_date to_char to_number date_format getdate sysdate dateadd convert size
	if iff isnull isnotnull add_months unix_timestamp from_unixtime locate pmod array_size sha2
	every collect_list collect_set percentile_approx`)

// customAllowed reports whether a custom-rule query may call fn.
func customAllowed(fn string) bool {
	return operatorFuncs[fn] || aggregateFuncs[fn] || windowFuncs[fn] || scalarFuncs[fn] || sparkFuncs[fn]
}

// bareFunctions are the SQL functions written without parentheses, which
// the parser reads as column references when no column has the name.
var bareFunctions = fnSet(`current_date current_timestamp current_time localtimestamp localtime sysdate getdate`)
