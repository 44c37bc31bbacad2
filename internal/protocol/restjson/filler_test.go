package restjson_test

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cleanrooms/document"

	"github.com/cleanroomsd/cleanroomsd/internal/api"
)

// A filler sets every exported member of a value, recursively, to a
// sample that satisfies the model's constraints. Samples are chosen by
// member name (sampleString, sampleInt, sampleFloat), lists get two
// elements (or listLen), maps two entries, unions one member, enums one of
// their values. It works on the SDK's types (inputs: unions are
// interfaces, see sdkUnions) and on ours (outputs: unions are structs
// whose name is the name of an SDK union).
type filler struct {
	// variant shifts which member of each union and which enum value is
	// picked, so that running variants 0..maxArity-1 covers every member.
	variant  int
	n        int // counter that makes every sample distinct
	unions   int // unions filled so far
	maxArity int // most members of a union filled so far
	used     map[string]bool
	errs     []string
}

var (
	timeType      = reflect.TypeFor[time.Time]()
	timestampType = reflect.TypeFor[api.Timestamp]()
	rawJSONType   = reflect.TypeFor[json.RawMessage]()
	sdkDocType    = reflect.TypeFor[document.Interface]()
)

// apiUnions are our union structures: the shapes the SDK makes interfaces.
var apiUnions = func() map[string]bool {
	m := map[string]bool{}
	for iface := range sdkUnions {
		m[iface.Name()] = true
	}
	return m
}()

// listLen overrides the length of lists whose model bounds exclude 2,
// keyed by "Structure.Member".
var listLen = map[string]int{
	"AnalysisTemplateArtifacts.AdditionalArtifacts": 1, // max 1
	"DifferentialPrivacyConfiguration.Columns":      1, // max 1
	"ColumnClassificationDetails.ColumnMapping":     5, // min 5
}

// overrides are explicit values, keyed by "Structure.Member", for members
// where a name-derived sample is not the interesting one.
var overrides = map[string]func(n int) any{
	// An ARN label with ':' and '/' that must be percent-encoded in one
	// path segment.
	"TagResourceInput.ResourceArn": func(n int) any {
		return ptr(fmt.Sprintf("arn:aws:cleanrooms:us-east-1:%s:membership/%s", accountID(n), uuidN(n)))
	},
	"UntagResourceInput.ResourceArn": func(n int) any {
		return ptr(fmt.Sprintf("arn:aws:cleanrooms:us-east-1:%s:collaboration/%s", accountID(n), uuidN(n)))
	},
	// Repeated query parameters, one needing escaping.
	"UntagResourceInput.TagKeys": func(n int) any {
		return []string{fmt.Sprintf("cost-center-%d", n), "team/a b&c=d"}
	},
	"ListCollaborationsInput.MaxResults": func(int) any { return ptr(int32(100)) },
	"ListMembersInput.MaxResults":        func(int) any { return ptr(int32(1)) },
}

func ptr[T any](v T) *T { return &v }

func newFiller(variant int) *filler { return &filler{variant: variant, used: map[string]bool{}} }

func (f *filler) next() int { f.n++; return f.n }

func (f *filler) errorf(format string, args ...any) {
	f.errs = append(f.errs, fmt.Sprintf(format, args...))
}

// pick chooses a union member.
func (f *filler) pick(arity int) int {
	k := (f.variant + f.unions) % arity
	f.unions++
	f.maxArity = max(f.maxArity, arity)
	return k
}

// fillInput fills a new value of type t (a struct) and returns a pointer.
func (f *filler) fillNew(t reflect.Type) any {
	p := reflect.New(t)
	f.fill(p.Elem(), "", t.Name())
	return p.Interface()
}

// fill sets v, the member field of structure owner.
func (f *filler) fill(v reflect.Value, owner, field string) {
	t := v.Type()
	switch t {
	case timeType:
		v.Set(reflect.ValueOf(sampleTime(f.next())))
		return
	case timestampType:
		v.Set(reflect.ValueOf(api.Timestamp{Time: sampleTime(f.next())}))
		return
	case rawJSONType:
		v.SetBytes(fmt.Appendf(nil, `{"workflow":"w-%d","enabled":"yes"}`, f.next()))
		return
	case sdkDocType:
		v.Set(reflect.ValueOf(document.NewLazyDocument(map[string]any{"workflow": fmt.Sprintf("w-%d", f.next())})))
		return
	}
	switch t.Kind() {
	case reflect.Pointer:
		p := reflect.New(t.Elem())
		f.fill(p.Elem(), owner, field)
		v.Set(p)
	case reflect.Interface:
		members, ok := sdkUnions[t]
		if !ok || len(members) == 0 {
			f.errorf("%s.%s: interface %s is not in sdkUnions", owner, field, t)
			return
		}
		mt := members[f.pick(len(members))]
		name := strings.TrimPrefix(mt.Name(), t.Name()+"Member")
		f.used[t.Name()+"."+name] = true
		p := reflect.New(mt)
		f.fill(p.Elem().FieldByName("Value"), t.Name(), name)
		v.Set(p)
	case reflect.Struct:
		var fields []int
		for i := range t.NumField() {
			if t.Field(i).IsExported() {
				fields = append(fields, i)
			}
		}
		if apiUnions[t.Name()] && t.PkgPath() == timestampType.PkgPath() {
			i := fields[f.pick(len(fields))]
			f.used[t.Name()+"."+t.Field(i).Name] = true
			fields = []int{i}
		}
		for _, i := range fields {
			sf := t.Field(i)
			if o, ok := overrides[t.Name()+"."+sf.Name]; ok {
				v.Field(i).Set(reflect.ValueOf(o(f.next())))
				continue
			}
			f.fill(v.Field(i), t.Name(), sf.Name)
		}
	case reflect.Slice:
		n := 2
		if l, ok := listLen[owner+"."+field]; ok {
			n = l
		}
		s := reflect.MakeSlice(t, n, n)
		for i := range n {
			f.fill(s.Index(i), owner, field)
		}
		v.Set(s)
	case reflect.Map:
		m := reflect.MakeMapWithSize(t, 2)
		for i := range 2 {
			k := reflect.New(t.Key()).Elem()
			k.SetString(sampleMapKey(field, f.next(), i))
			e := reflect.New(t.Elem()).Elem()
			f.fill(e, owner, field)
			m.SetMapIndex(k, e)
		}
		v.Set(m)
	case reflect.String:
		if vals := enumValues(t); vals != nil {
			v.SetString(vals[(f.variant+f.next())%len(vals)])
			return
		}
		v.SetString(sampleString(owner, field, f.next()))
	case reflect.Int32, reflect.Int64, reflect.Int:
		v.SetInt(sampleInt(field, f.next()))
	case reflect.Float64, reflect.Float32:
		v.SetFloat(sampleFloat(field, f.next()))
	case reflect.Bool:
		v.SetBool(true)
	default:
		f.errorf("%s.%s: cannot fill a %s", owner, field, t)
	}
}

// enumValues returns the values of an enum type (a named string type with
// a Values method, in the SDK and in api alike), or nil.
func enumValues(t reflect.Type) []string {
	if t.Kind() != reflect.String || t.PkgPath() == "" {
		return nil
	}
	m, ok := t.MethodByName("Values")
	if !ok {
		return nil
	}
	out := m.Func.Call([]reflect.Value{reflect.New(t).Elem()})[0]
	vals := make([]string, out.Len())
	for i := range vals {
		vals[i] = out.Index(i).String()
	}
	return vals
}

const sampleAccount = "123456789012"

func accountID(n int) string { return fmt.Sprintf("1111%08d", n) }
func uuidN(n int) string     { return fmt.Sprintf("%08x-0000-4000-8000-%012x", n, n*7919) }
func sampleTime(n int) time.Time {
	// Milliseconds matter: rest-json carries epoch seconds with a fraction.
	return time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC).Add(time.Duration(n) * 1_001_123 * time.Microsecond).Truncate(time.Millisecond)
}

// sampleString is a value for member field of structure owner that
// satisfies the member's shape, n making it distinct.
func sampleString(owner, field string, n int) string {
	f := strings.ToLower(field)
	u := uuidN(n)
	switch {
	case owner == "IdMappingTableInputReferenceConfig" && f == "inputreferencearn":
		return fmt.Sprintf("arn:aws:entityresolution:us-east-1:%s:idmappingworkflow/workflow-%d", sampleAccount, n)
	case f == "inputreferencearn":
		return fmt.Sprintf("arn:aws:entityresolution:us-east-1:%s:idnamespace/namespace-%d", sampleAccount, n)
	case f == "accountidentifier": // Snowflake's
		return fmt.Sprintf("org-account.%d", n)
	case strings.HasSuffix(f, "accountid"), f == "allowedanalysisproviders", f == "allowedresultreceivers",
		f == "accountids", f == "payeraccountids", f == "allowedanalysisprovideraccountids":
		return accountID(n)
	case strings.HasSuffix(f, "identifier"), strings.HasSuffix(f, "id"):
		return u
	case f == "rolearn":
		return fmt.Sprintf("arn:aws:iam::%s:role/service-role/cleanrooms-%d", sampleAccount, n)
	case f == "kmskeyarn":
		return fmt.Sprintf("arn:aws:kms:us-east-1:%s:key/%s", sampleAccount, u)
	case f == "secretarn":
		return fmt.Sprintf("arn:aws:secretsmanager:us-east-1:%s:secret:snowflake-%d", sampleAccount, n)
	case f == "configuredaudiencemodelarn":
		return fmt.Sprintf("arn:aws:cleanrooms-ml:us-east-1:%s:configured-audience-model/%s", sampleAccount, u)
	case f == "allowedadditionalanalyses":
		return fmt.Sprintf("arn:aws:cleanrooms:us-east-1:%s:membership/%s/configuredaudiencemodelassociation/%s", sampleAccount, u, u)
	case f == "analysistemplatearn", f == "analysistemplatearns", f == "allowedanalyses":
		return fmt.Sprintf("arn:aws:cleanrooms:us-east-1:%s:membership/%s/analysistemplate/%s", sampleAccount, u, u)
	case f == "resourcearn", f == "accessbudgetresourcearn":
		// Short enough for CleanroomsArn (max 100) and a BudgetedResourceArn.
		return fmt.Sprintf("arn:aws:cleanrooms:us-east-1:%s:membership/m-%d/configuredtableassociation/cta-%d", sampleAccount, n, n)
	case strings.HasSuffix(f, "arn"):
		return fmt.Sprintf("arn:aws:cleanrooms:us-east-1:%s:%s/%s", sampleAccount, strings.TrimSuffix(f, "arn"), u)
	case f == "bucket":
		return fmt.Sprintf("results-%d.example", n)
	case f == "key":
		return fmt.Sprintf("scripts/job_%d.py", n)
	case f == "keyprefix":
		return fmt.Sprintf("results/run=%d/", n)
	case f == "outputlocation":
		return fmt.Sprintf("s3://athena-results-%d/prefix/", n)
	case f == "text", f == "querystring":
		return fmt.Sprintf("SELECT COUNT(DISTINCT user_id) FROM t%d WHERE city = 'Zürich'", n)
	case f == "nexttoken":
		return fmt.Sprintf("page/%d+next==&x y", n) // needs query escaping
	case f == "tagkeys":
		return fmt.Sprintf("tag-key-%d", n)
	case f == "columntype":
		return "varchar(64)"
	case f == "workgroup":
		return fmt.Sprintf("primary-%d", n)
	case f == "catalogname":
		return fmt.Sprintf("AwsDataCatalog_%d", n)
	case f == "description":
		return fmt.Sprintf("Description %d – naïve café ✓\nsecond line", n)
	case f == "defaultvalue":
		return fmt.Sprintf("default value %d", n)
	case strings.Contains(f, "column"):
		return fmt.Sprintf("column_%d", n)
	case strings.HasSuffix(f, "name"), f == "names", f == "referencedtables", f == "name":
		// Fits every name shape: display names, table aliases, lower-case
		// column names, parameter names, Snowflake and Glue names.
		return fmt.Sprintf("name_%d", n)
	}
	return fmt.Sprintf("%s_%d", f, n)
}

func sampleMapKey(field string, n, i int) string {
	switch strings.ToLower(field) {
	case "tags":
		return fmt.Sprintf("tag-key-%d", n)
	case "parameters":
		return fmt.Sprintf("param_%d", n)
	case "spark":
		return fmt.Sprintf("spark.executor.memory.%d", n)
	case "approvals":
		return accountID(n)
	}
	return fmt.Sprintf("key-%d-%d", i, n)
}

func sampleInt(field string, n int) int64 {
	switch strings.ToLower(field) {
	case "maxresults":
		return 42
	case "budget":
		return 100
	case "epsilon":
		return 5
	case "usersnoiseperquery":
		return 20
	case "minimum":
		return 10
	case "number":
		return 16
	}
	return int64(n) // distinct, so that swapped members show
}

func sampleFloat(field string, n int) float64 {
	switch strings.ToLower(field) {
	case "epsilon":
		return 1.5
	case "maxmembershipinferenceattackscore":
		return 0.75
	}
	return float64(n) + 0.25
}

// unsetMembers lists, as dotted paths, every exported member under v that
// holds its zero value; a union (an SDK interface or one of our union
// structures) must have exactly one member set.
func unsetMembers(v reflect.Value, path string) []string {
	t := v.Type()
	if t == timeType || t == timestampType {
		var tm time.Time
		if t == timeType {
			tm = v.Interface().(time.Time)
		} else {
			tm = v.Interface().(api.Timestamp).Time
		}
		if tm.IsZero() {
			return []string{path}
		}
		return nil
	}
	switch t.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return []string{path}
		}
		if t.Kind() == reflect.Interface && sdkUnions[t] != nil {
			return unsetMembers(v.Elem().Elem().FieldByName("Value"), path+"."+v.Elem().Elem().Type().Name())
		}
		if t == sdkDocType {
			return nil
		}
		return unsetMembers(v.Elem(), path)
	case reflect.Struct:
		isUnion := apiUnions[t.Name()] && t.PkgPath() == timestampType.PkgPath()
		var unset, ofSet []string
		set := 0
		for i := range t.NumField() {
			sf := t.Field(i)
			if !sf.IsExported() || sf.Name == "ResultMetadata" {
				continue
			}
			p := path + "." + sf.Name
			u := unsetMembers(v.Field(i), p)
			if !(len(u) == 1 && u[0] == p) {
				set++
				ofSet = u
			}
			unset = append(unset, u...)
		}
		if isUnion {
			if set != 1 {
				return []string{fmt.Sprintf("%s (union with %d members set)", path, set)}
			}
			return ofSet
		}
		return unset
	case reflect.Slice, reflect.Map:
		if v.Len() == 0 {
			return []string{path}
		}
		if t.Kind() == reflect.Slice {
			if t.Elem().Kind() == reflect.Uint8 {
				return nil
			}
			var unset []string
			for i := range v.Len() {
				unset = append(unset, unsetMembers(v.Index(i), fmt.Sprintf("%s.%d", path, i))...)
			}
			return unset
		}
		var unset []string
		it := v.MapRange()
		for it.Next() {
			unset = append(unset, unsetMembers(it.Value(), path+"."+it.Key().String())...)
		}
		return unset
	}
	if v.IsZero() {
		return []string{path}
	}
	return nil
}
