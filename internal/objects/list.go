package objects

import (
	"encoding/base64"
	"encoding/xml"
	"net/url"
	"strconv"
	"strings"

	"github.com/cleanroomsd/cleanroomsd/internal/cleanrooms"
)

type listEntry struct {
	Key          string
	LastModified string
	ETag         string
	Size         int64
	Owner        *owner `xml:",omitempty"`
	StorageClass string
}

type commonPrefix struct{ Prefix string }

type listBucketResult struct {
	XMLName               xml.Name `xml:"ListBucketResult"`
	NS                    string   `xml:"xmlns,attr"`
	Name                  string
	Prefix                string
	Marker                *string `xml:",omitempty"`
	NextMarker            string  `xml:",omitempty"`
	StartAfter            string  `xml:",omitempty"`
	ContinuationToken     string  `xml:",omitempty"`
	NextContinuationToken string  `xml:",omitempty"`
	KeyCount              *int    `xml:",omitempty"`
	MaxKeys               int
	Delimiter             string `xml:",omitempty"`
	EncodingType          string `xml:",omitempty"`
	IsTruncated           bool
	Contents              []listEntry
	CommonPrefixes        []commonPrefix
}

// maxKeysParam reads max-keys-like parameters: default and cap 1000.
func maxKeysParam(v string, limit int) (int, error) {
	if v == "" {
		return limit, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, errorf("InvalidArgument", 400, "Provided max-keys not an integer or within integer range")
	}
	return min(n, limit), nil
}

// The continuation token is the last key or common prefix returned,
// marked so that a prefix resumes after everything under it.
func encodeToken(last string, isPrefix bool) string {
	m := "k"
	if isPrefix {
		m = "p"
	}
	return base64.RawURLEncoding.EncodeToString([]byte(m + last))
}

func decodeToken(t string) (after string, skip bool, err error) {
	raw, derr := base64.RawURLEncoding.DecodeString(t)
	if derr != nil || len(raw) == 0 || (raw[0] != 'k' && raw[0] != 'p') || !storableText(string(raw)) {
		return "", false, errorf("InvalidArgument", 400, "The continuation token provided is incorrect")
	}
	return string(raw[1:]), raw[0] == 'p', nil
}

// urlEncode is encoding-type=url: what botocore undoes with unquote_plus.
func urlEncode(s string) string { return strings.ReplaceAll(url.QueryEscape(s), "%2F", "/") }

func (s *Server) listObjects(q *req, v2 bool) error {
	prefix, delim := q.q.Get("prefix"), q.q.Get("delimiter")
	maxKeys, err := maxKeysParam(q.q.Get("max-keys"), maxListKeys)
	if err != nil {
		return err
	}
	enc := q.q.Get("encoding-type")
	if enc != "" && enc != "url" {
		return errorf("InvalidArgument", 400, "Invalid Encoding Method specified in Request")
	}
	out := listBucketResult{NS: s3NS, Name: q.bucket, Prefix: prefix, MaxKeys: maxKeys, Delimiter: delim,
		EncodingType: enc, Contents: []listEntry{}}
	after, skip := "", false
	if v2 {
		if t := q.q.Get("continuation-token"); t != "" {
			out.ContinuationToken = t
			if after, skip, err = decodeToken(t); err != nil {
				return err
			}
		} else {
			after = q.q.Get("start-after")
			out.StartAfter = after
		}
	} else {
		after = q.q.Get("marker")
		out.Marker = &after
	}
	if _, err := s.checkBucket(q); err != nil {
		return err
	}
	// A common prefix that sorts at or before where the listing starts
	// was returned by the page before (S3 does not repeat it).
	start := after
	last, lastIsPrefix := "", false
	count := 0
	// Each round reads up to the keys still wanted plus one (to learn
	// whether the list goes on); a common prefix ends the round and the
	// next starts past it, so a listing costs one seek per prefix.
	for count <= maxKeys {
		var page []cleanrooms.Object
		err := s.store.ViewOne(q.ctx, func(tx cleanrooms.ReadTx) (err error) {
			page, err = tx.ListObjects(q.ctx, cleanrooms.ObjectQuery{Bucket: q.bucket, Prefix: prefix,
				After: after, SkipPrefix: skip, Limit: maxKeys - count + 1})
			return err
		})
		if err != nil {
			return err
		}
		if len(page) == 0 {
			break
		}
		jumped := false
		for _, o := range page {
			if count == maxKeys {
				out.IsTruncated = true
				break
			}
			if delim != "" {
				if i := strings.Index(o.Key[len(prefix):], delim); i >= 0 {
					cp := o.Key[:len(prefix)+i+len(delim)]
					after, skip, jumped = cp, true, true
					if cp <= start {
						break
					}
					out.CommonPrefixes = append(out.CommonPrefixes, commonPrefix{Prefix: cp})
					count++
					last, lastIsPrefix = cp, true
					break
				}
			}
			out.Contents = append(out.Contents, listEntry{Key: o.Key, LastModified: xmlTime(o.ModifyTime),
				ETag: quote(o.ETag), Size: o.Size, StorageClass: "STANDARD"})
			count++
			last, lastIsPrefix = o.Key, false
			after, skip = o.Key, false
		}
		if out.IsTruncated || (!jumped && len(page) < maxKeys-count+1) {
			break
		}
	}
	if out.IsTruncated {
		if v2 {
			out.NextContinuationToken = encodeToken(last, lastIsPrefix)
		} else {
			out.NextMarker = last
		}
	}
	if v2 {
		out.KeyCount = &count
	}
	if enc == "url" {
		out.Prefix, out.Delimiter, out.StartAfter = urlEncode(out.Prefix), urlEncode(out.Delimiter), urlEncode(out.StartAfter)
		if out.Marker != nil {
			m := urlEncode(*out.Marker)
			out.Marker = &m
		}
		out.NextMarker = urlEncode(out.NextMarker)
		for i := range out.Contents {
			out.Contents[i].Key = urlEncode(out.Contents[i].Key)
		}
		for i := range out.CommonPrefixes {
			out.CommonPrefixes[i].Prefix = urlEncode(out.CommonPrefixes[i].Prefix)
		}
	}
	return writeXML(q.w, out)
}
