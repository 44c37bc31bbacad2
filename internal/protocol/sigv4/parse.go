package sigv4

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

const (
	// Algorithm is the only signing algorithm accepted.
	Algorithm = "AWS4-HMAC-SHA256"
	// Service is the signing name clients must scope their credentials to.
	Service = "cleanrooms"
	// MaxSkew is how far X-Amz-Date may be from the server clock.
	MaxSkew = 15 * time.Minute
	// MaxExpires is the largest X-Amz-Expires accepted (seven days, as AWS).
	MaxExpires = 7 * 24 * time.Hour

	amzDateFormat   = "20060102T150405Z"
	scopeDateFormat = "20060102"
	scopeTerminator = "aws4_request"
)

// Presigned query parameter names.
const (
	qAlgorithm     = "X-Amz-Algorithm"
	qCredential    = "X-Amz-Credential"
	qDate          = "X-Amz-Date"
	qSignedHeaders = "X-Amz-SignedHeaders"
	qSignature     = "X-Amz-Signature"
	qExpires       = "X-Amz-Expires"
	qSecurityToken = "X-Amz-Security-Token"
)

// Request holds the signature parameters of an incoming request.
type Request struct {
	AccessKeyID string
	// Date is X-Amz-Date (header, or query parameter when presigned), UTC.
	Date time.Time
	// ScopeDate, Region and Service come from the credential scope
	// AKID/ScopeDate/Region/Service/aws4_request.
	ScopeDate string
	Region    string
	Service   string
	// SignedHeaders are the lower-case header names the client signed, in the
	// order it listed them.
	SignedHeaders []string
	Signature     string
	// Presigned is true for the query-string form.
	Presigned bool
	// Expires is X-Amz-Expires (presigned only); 0 when absent.
	Expires time.Duration
	// SecurityToken is X-Amz-Security-Token, if sent.
	SecurityToken string
}

// Parse extracts the SigV4 parameters from r without checking the signature.
// A request without any signature yields MissingAuthenticationToken; a
// malformed one yields IncompleteSignature.
func Parse(r *http.Request) (*Request, error) {
	auth := r.Header.Values("Authorization")
	if len(auth) == 1 && strings.TrimSpace(auth[0]) == "" {
		auth = nil
	}
	// Most requests have no query: no map for them.
	var q url.Values
	if r.URL.RawQuery != "" {
		q = r.URL.Query()
	}
	presigned := q.Has(qAlgorithm) || q.Has(qCredential) || q.Has(qSignature)
	switch {
	case len(auth) > 0 && presigned:
		return nil, IncompleteSignature("Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter " +
			"or the Authorization header should be specified")
	case len(auth) > 1:
		return nil, IncompleteSignature("Only one Authorization header is allowed")
	case len(auth) == 1:
		return parseHeader(r.Header, auth[0])
	case presigned:
		return parseQuery(q)
	default:
		return nil, MissingAuthenticationToken()
	}
}

// parseHeader handles
// "AWS4-HMAC-SHA256 Credential=AKID/date/region/service/aws4_request, SignedHeaders=a;b, Signature=hex".
func parseHeader(h http.Header, auth string) (*Request, error) {
	alg, rest, _ := strings.Cut(strings.TrimSpace(auth), " ")
	if alg != Algorithm {
		return nil, IncompleteSignature(fmt.Sprintf("Unsupported Authorization type %q; only %s is supported", alg, Algorithm))
	}
	params := map[string]string{}
	for _, part := range strings.Split(rest, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return nil, IncompleteSignature(fmt.Sprintf("Authorization header requires each component to be of the form key=value, got %q. Authorization=%s", part, auth))
		}
		if _, dup := params[k]; dup {
			return nil, IncompleteSignature(fmt.Sprintf("Authorization header has a repeated %q parameter. Authorization=%s", k, auth))
		}
		params[k] = v
	}
	var missing []string
	for _, k := range []string{"Credential", "Signature", "SignedHeaders"} {
		if params[k] == "" {
			missing = append(missing, fmt.Sprintf("Authorization header requires '%s' parameter.", k))
		}
	}
	dates := h.Values("X-Amz-Date")
	if len(dates) != 1 {
		missing = append(missing, "Authorization header requires existence of a single 'X-Amz-Date' header.")
	}
	if len(missing) > 0 {
		return nil, IncompleteSignature(strings.Join(missing, " ") + " Authorization=" + auth)
	}
	return build(params["Credential"], dates[0], params["SignedHeaders"], params["Signature"], h.Get("X-Amz-Security-Token"))
}

// parseQuery handles the presigned form.
func parseQuery(q url.Values) (*Request, error) {
	var missing []string
	for _, k := range []string{qAlgorithm, qCredential, qDate, qSignedHeaders, qSignature} {
		if len(q[k]) != 1 || q[k][0] == "" {
			missing = append(missing, "'"+k+"'")
		}
	}
	if len(missing) > 0 {
		return nil, IncompleteSignature("AWS query-string parameters must include each of " + strings.Join(missing, ", ") +
			" exactly once. Re-examine the query-string parameters.")
	}
	if alg := q.Get(qAlgorithm); alg != Algorithm {
		return nil, IncompleteSignature(fmt.Sprintf("X-Amz-Algorithm only supports %q, got %q", Algorithm, alg))
	}
	p, err := build(q.Get(qCredential), q.Get(qDate), q.Get(qSignedHeaders), q.Get(qSignature), q.Get(qSecurityToken))
	if err != nil {
		return nil, err
	}
	p.Presigned = true
	if vs, ok := q[qExpires]; ok {
		secs, err := strconv.Atoi(strings.Join(vs, ","))
		if err != nil || secs <= 0 || time.Duration(secs)*time.Second > MaxExpires {
			return nil, IncompleteSignature(fmt.Sprintf("X-Amz-Expires must be a whole number of seconds between 1 and %d, got %q",
				int(MaxExpires/time.Second), strings.Join(vs, ",")))
		}
		p.Expires = time.Duration(secs) * time.Second
	}
	return p, nil
}

// splitScope is strings.Split(credential, "/") into an array (the five
// parts of a valid credential; n is how many parts there were), sparing
// a slice per request.
func splitScope(credential string) (parts [5]string, n int) {
	for {
		i := strings.IndexByte(credential, '/')
		if i < 0 {
			if n < len(parts) {
				parts[n] = credential
			}
			return parts, n + 1
		}
		if n < len(parts) {
			parts[n] = credential[:i]
		}
		n++
		credential = credential[i+1:]
	}
}

// build validates the parts common to both forms.
func build(credential, date, signedHeaders, signature, token string) (*Request, error) {
	parts, n := splitScope(credential)
	if n != 5 || parts[0] == "" || parts[2] == "" || parts[3] == "" {
		return nil, IncompleteSignature(fmt.Sprintf("Credential %q must have the form <AccessKeyId>/<YYYYMMDD>/<region>/<service>/aws4_request", credential))
	}
	if _, err := time.Parse(scopeDateFormat, parts[1]); err != nil || len(parts[1]) != len(scopeDateFormat) {
		return nil, IncompleteSignature(fmt.Sprintf("Credential scope date %q must be YYYYMMDD", parts[1]))
	}
	if parts[4] != scopeTerminator {
		return nil, IncompleteSignature(fmt.Sprintf("Credential should be scoped with a valid terminator: '%s', not '%s'.", scopeTerminator, parts[4]))
	}
	t, err := time.Parse(amzDateFormat, date)
	if err != nil {
		return nil, IncompleteSignature(fmt.Sprintf("Date must be in ISO-8601 'basic format'. Got '%s'. See http://en.wikipedia.org/wiki/ISO_8601", date))
	}
	headers := strings.Split(signedHeaders, ";")
	for _, name := range headers {
		if name == "" {
			return nil, IncompleteSignature(fmt.Sprintf("SignedHeaders %q contains an empty header name", signedHeaders))
		}
	}
	return &Request{
		AccessKeyID:   parts[0],
		Date:          t.UTC(),
		ScopeDate:     parts[1],
		Region:        parts[2],
		Service:       parts[3],
		SignedHeaders: headers,
		Signature:     signature,
		SecurityToken: token,
	}, nil
}
