// Package sts serves the one AWS STS operation that tools call before
// anything else, GetCallerIdentity, so that clients which ask who they are
// (Terraform's AWS provider does on start, unless told to skip it) learn
// the account their access key names here. STS speaks the awsQuery
// protocol: a form-encoded POST answered in XML. It is written by hand
// because it is one operation with three fields; no other STS operation is
// served.
package sts

import (
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"github.com/cleanroomsd/cleanroomsd/internal/identity"
)

const (
	xmlns   = "https://sts.amazonaws.com/doc/2011-06-15/"
	version = "2011-06-15"
	maxBody = 64 << 10
)

// Handler serves STS for callers authenticated upstream (identity.CallerFrom).
func Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		caller, _ := identity.CallerFrom(r.Context())
		form, err := readForm(r)
		if err != nil {
			WriteError(w, r, "InvalidParameterValue", http.StatusBadRequest, "The request body is not a valid form.")
			return
		}
		action := form.Get("Action")
		if action != "GetCallerIdentity" {
			WriteError(w, r, "InvalidAction", http.StatusBadRequest,
				fmt.Sprintf("Could not find operation %s for version %s", action, form.Get("Version")))
			return
		}
		type result struct {
			Arn     string `xml:"Arn"`
			UserID  string `xml:"UserId"`
			Account string `xml:"Account"`
		}
		writeXML(w, http.StatusOK, struct {
			XMLName  xml.Name `xml:"GetCallerIdentityResponse"`
			Xmlns    string   `xml:"xmlns,attr"`
			Result   result   `xml:"GetCallerIdentityResult"`
			Metadata metadata `xml:"ResponseMetadata"`
		}{
			Xmlns: xmlns,
			// The account's root: cleanroomsd has no IAM users or roles.
			Result:   result{Arn: "arn:aws:iam::" + caller.AccountID + ":root", UserID: caller.AccountID, Account: caller.AccountID},
			Metadata: metadata{RequestID: identity.RequestIDFrom(r.Context())},
		})
	})
}

// readForm reads the parameters from the body (POST) and the query (GET).
func readForm(r *http.Request) (url.Values, error) {
	q := r.URL.Query()
	if r.Method != http.MethodPost {
		return q, nil
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
	if err != nil {
		return nil, err
	}
	form, err := url.ParseQuery(string(b))
	if err != nil {
		return nil, err
	}
	for k, v := range q {
		if _, ok := form[k]; !ok {
			form[k] = v
		}
	}
	if form.Get("Version") == "" {
		form.Set("Version", version)
	}
	return form, nil
}

type metadata struct {
	RequestID string `xml:"RequestId"`
}

// WriteError writes an awsQuery error: <ErrorResponse><Error>…</Error>.
func WriteError(w http.ResponseWriter, r *http.Request, code string, status int, message string) {
	typ := "Sender"
	if status >= 500 {
		typ = "Receiver"
	}
	type errorBody struct {
		Type    string `xml:"Type"`
		Code    string `xml:"Code"`
		Message string `xml:"Message"`
	}
	writeXML(w, status, struct {
		XMLName   xml.Name  `xml:"ErrorResponse"`
		Xmlns     string    `xml:"xmlns,attr"`
		Error     errorBody `xml:"Error"`
		RequestID string    `xml:"RequestId"`
	}{Xmlns: xmlns, Error: errorBody{typ, code, message}, RequestID: identity.RequestIDFrom(r.Context())})
}

func writeXML(w http.ResponseWriter, status int, v any) {
	b, err := xml.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte("<ErrorResponse/>")
	}
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(status)
	_, _ = w.Write(append([]byte(xml.Header), b...))
}
