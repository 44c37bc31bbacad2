package restjson_test

import (
	"context"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/cleanrooms"
	"github.com/google/go-cmp/cmp"

	"github.com/cleanroomsd/cleanroomsd/internal/api"
	"github.com/cleanroomsd/cleanroomsd/internal/protocol/restjson"
)

// TestSDKOpsCoverModel fails when an operation of the model has no SDK
// case, or a case names no operation.
func TestSDKOpsCoverModel(t *testing.T) {
	if len(api.Operations) != 88 {
		t.Errorf("api.Operations has %d operations, want the model's 88", len(api.Operations))
	}
	names := map[string]bool{}
	for _, op := range api.Operations {
		names[op.Name] = true
		if _, ok := sdkOps[op.Name]; !ok {
			t.Errorf("operation %s has no case in sdkOps", op.Name)
		}
	}
	for name := range sdkOps {
		if !names[name] {
			t.Errorf("sdkOps has %s, which api.Operations lacks", name)
		}
	}
}

// filledSDKInput returns a new SDK input of op with every member set.
func filledSDKInput(t testing.TB, c sdkCall, variant int) (any, *filler) {
	t.Helper()
	f := newFiller(variant)
	in := c.newInput()
	f.fill(reflect.ValueOf(in).Elem(), "", reflect.TypeOf(in).Elem().Name())
	for _, e := range f.errs {
		t.Errorf("filler: %s", e)
	}
	if unset := unsetMembers(reflect.ValueOf(in), reflect.TypeOf(in).Elem().Name()); len(unset) > 0 {
		t.Errorf("the filler left members of the SDK input unset: %v", unset)
	}
	return in, f
}

// TestRoundTripInputs calls every operation with the real SDK, every input
// member set, and checks that the Service received exactly what the SDK
// sent. Each operation runs once per member of its widest union (with
// different union members and enum values each time), and at the end every
// member of every union the inputs reach must have been sent at least once.
func TestRoundTripInputs(t *testing.T) {
	rec := newRecorder()
	_, client := serve(t, restjson.NewHandler(rec), false)
	ctx := context.Background()
	sent := map[string]bool{}      // union members sent, "Union.Member"
	reachable := map[string]bool{} // unions the inputs reach
	for _, op := range api.Operations {
		c, ok := sdkOps[op.Name]
		if !ok {
			t.Errorf("%s: no SDK case", op.Name)
			continue
		}
		t.Run(op.Name, func(t *testing.T) {
			for variant := 0; ; variant++ {
				in, f := filledSDKInput(t, c, variant)
				for k := range f.used {
					sent[k] = true
					reachable[strings.SplitN(k, ".", 2)[0]] = true
				}
				before := rec.callCount(op.Name)
				if _, err := c.call(ctx, client, in); err != nil {
					t.Fatalf("variant %d: the SDK call failed: %v", variant, err)
				}
				if n := rec.callCount(op.Name) - before; n != 1 {
					t.Fatalf("variant %d: the Service was called %d times, want 1", variant, n)
				}
				got := rec.input(op.Name)
				if reflect.TypeOf(got) != reflect.TypeOf(op.NewInput()) {
					t.Fatalf("the Service got a %T", got)
				}
				if diff := cmp.Diff(normalize(in), normalize(got)); diff != "" {
					t.Errorf("variant %d: the Service's input differs from the SDK's (-sdk +service):\n%s", variant, diff)
				}
				if variant+1 >= f.maxArity {
					break
				}
			}
		})
	}
	var missed []string
	for iface, members := range sdkUnions {
		if !reachable[iface.Name()] {
			continue
		}
		for _, m := range members {
			k := iface.Name() + "." + strings.TrimPrefix(m.Name(), iface.Name()+"Member")
			if !sent[k] {
				missed = append(missed, k)
			}
		}
	}
	sort.Strings(missed)
	if len(missed) > 0 {
		t.Errorf("union members never sent by any operation: %v", missed)
	}
}

// outputType is the output type of op's method of api.Service.
func outputType(op *api.Operation) reflect.Type {
	m, ok := reflect.TypeFor[api.Service]().MethodByName(op.Name)
	if !ok {
		panic("no method " + op.Name)
	}
	return m.Type.Out(0).Elem()
}

// TestRoundTripOutputs has the Service answer every operation with an
// output whose every member is set (timestamps with milliseconds, one
// member per union, varied across runs) and checks that the SDK decodes
// exactly that.
func TestRoundTripOutputs(t *testing.T) {
	rec := newRecorder()
	_, client := serve(t, restjson.NewHandler(rec), false)
	ctx := context.Background()
	for _, op := range api.Operations {
		c := sdkOps[op.Name]
		t.Run(op.Name, func(t *testing.T) {
			in, _ := filledSDKInput(t, c, 0)
			for variant := 0; ; variant++ {
				f := newFiller(variant)
				out := f.fillNew(outputType(op))
				for _, e := range f.errs {
					t.Errorf("filler: %s", e)
				}
				if unset := unsetMembers(reflect.ValueOf(out), op.Name+"Output"); len(unset) > 0 {
					t.Errorf("the filler left members of the output unset: %v", unset)
				}
				rec.setOutput(op.Name, out)
				got, err := c.call(ctx, client, in)
				if err != nil {
					t.Fatalf("variant %d: the SDK call failed: %v", variant, err)
				}
				if diff := cmp.Diff(normalize(out), normalize(got)); diff != "" {
					t.Errorf("variant %d: the SDK decoded another output (-service +sdk):\n%s", variant, diff)
				}
				if variant+1 >= f.maxArity {
					break
				}
			}
		})
	}
}

// TestShapesMatchSDK compares, member by member, every structure reachable
// from the inputs and outputs of the SDK with ours: a member the SDK has
// and we lack is one the server can never receive or send.
func TestShapesMatchSDK(t *testing.T) {
	w := shapeWalker{seen: map[reflect.Type]bool{}, enums: map[string][2]reflect.Type{}}
	for _, op := range api.Operations {
		c := sdkOps[op.Name]
		sdkIn := reflect.TypeOf(c.newInput()).Elem()
		w.walk(sdkIn, reflect.TypeOf(op.NewInput()).Elem(), op.Name+"Input")
		sdkOut := sdkOutputType(sdkIn)
		w.walk(sdkOut, outputType(op), op.Name+"Output")
	}
	slices.Sort(w.sdkOnly)
	slices.Sort(w.apiOnly)
	for _, s := range w.sdkOnly {
		t.Errorf("the SDK has member %s, which api lacks", s)
	}
	for _, s := range w.apiOnly {
		t.Logf("api has member %s, which the SDK lacks", s)
	}
	for name, pair := range w.enums {
		sdkVals, apiVals := enumValues(pair[0]), enumValues(pair[1])
		for _, v := range sdkVals {
			if !slices.Contains(apiVals, v) {
				t.Errorf("enum %s: the SDK knows %q, which api rejects", name, v)
			}
		}
		for _, v := range apiVals {
			if !slices.Contains(sdkVals, v) {
				t.Logf("enum %s: api accepts %q, which the SDK does not know", name, v)
			}
		}
	}
	if len(w.enums) < 50 {
		t.Errorf("only %d enums compared; the walker is broken", len(w.enums))
	}
}

// sdkOutputType maps cleanrooms.XInput to cleanrooms.XOutput through the
// client's method of that name.
func sdkOutputType(in reflect.Type) reflect.Type {
	name := strings.TrimSuffix(in.Name(), "Input")
	m, ok := reflect.TypeFor[*cleanrooms.Client]().MethodByName(name)
	if !ok {
		panic("no client method " + name)
	}
	return m.Type.Out(0).Elem()
}

type shapeWalker struct {
	seen             map[reflect.Type]bool
	sdkOnly, apiOnly []string
	enums            map[string][2]reflect.Type
}

func (w *shapeWalker) walk(s, a reflect.Type, path string) {
	for s.Kind() == reflect.Pointer || s.Kind() == reflect.Slice || s.Kind() == reflect.Map {
		s = s.Elem()
	}
	for a.Kind() == reflect.Pointer || a.Kind() == reflect.Slice || a.Kind() == reflect.Map {
		if a == rawJSONType {
			break
		}
		a = a.Elem()
	}
	if vals := enumValues(s); vals != nil {
		if enumValues(a) == nil {
			w.sdkOnly = append(w.sdkOnly, path+" (an enum, not one in api)")
			return
		}
		w.enums[s.Name()] = [2]reflect.Type{s, a}
		return
	}
	if w.seen[s] {
		return
	}
	switch {
	case s.Kind() == reflect.Interface && sdkUnions[s] != nil:
		w.seen[s] = true
		apiFields := exportedFields(a)
		for _, m := range sdkUnions[s] {
			name := strings.TrimPrefix(m.Name(), s.Name()+"Member")
			af, ok := apiFields[strings.ToLower(name)]
			if !ok {
				w.sdkOnly = append(w.sdkOnly, s.Name()+"."+name)
				continue
			}
			delete(apiFields, strings.ToLower(name))
			vf, _ := m.FieldByName("Value")
			w.walk(vf.Type, af.Type, s.Name()+"."+name)
		}
		for _, af := range apiFields {
			w.apiOnly = append(w.apiOnly, a.Name()+"."+af.Name)
		}
	case s.Kind() == reflect.Struct && s != timeType:
		w.seen[s] = true
		if a.Kind() != reflect.Struct {
			w.sdkOnly = append(w.sdkOnly, path+" (a structure, not one in api)")
			return
		}
		apiFields := exportedFields(a)
		for i := range s.NumField() {
			sf := s.Field(i)
			if !sf.IsExported() || sf.Name == "ResultMetadata" {
				continue
			}
			af, ok := apiFields[strings.ToLower(sf.Name)]
			if !ok {
				w.sdkOnly = append(w.sdkOnly, s.Name()+"."+sf.Name)
				continue
			}
			delete(apiFields, strings.ToLower(sf.Name))
			w.walk(sf.Type, af.Type, s.Name()+"."+sf.Name)
		}
		for _, af := range apiFields {
			w.apiOnly = append(w.apiOnly, a.Name()+"."+af.Name)
		}
	}
}

func exportedFields(t reflect.Type) map[string]reflect.StructField {
	m := map[string]reflect.StructField{}
	if t.Kind() != reflect.Struct {
		return m
	}
	for i := range t.NumField() {
		if f := t.Field(i); f.IsExported() {
			m[strings.ToLower(f.Name)] = f
		}
	}
	return m
}
