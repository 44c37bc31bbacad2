package codegen

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

const (
	modelPath   = "../../model/cleanrooms-2022-02-17.json"
	overlayPath = "../../model/overlay.json"
)

func load(t *testing.T) (*Model, *Overlay) {
	t.Helper()
	m, o, err := Load(modelPath, overlayPath)
	if err != nil {
		t.Fatal(err)
	}
	return m, o
}

// The committed internal/api must be exactly what the generator makes.
func TestGeneratedCodeIsCurrent(t *testing.T) {
	m, o := load(t)
	files, err := Generate(m, o)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		have, err := os.ReadFile(filepath.Join("../api", f.Name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(have, f.Src) {
			t.Errorf("internal/api/%s is stale: run go generate ./internal/api", f.Name)
		}
		if !bytes.HasPrefix(f.Src, []byte("// Code generated ")) || !bytes.Contains(f.Src[:120], []byte("DO NOT EDIT.")) {
			t.Errorf("%s lacks the generated-code header", f.Name)
		}
	}
}

func TestModelCounts(t *testing.T) {
	m, _ := load(t)
	if len(m.Operations) != 88 {
		t.Errorf("operations: %d, want 88", len(m.Operations))
	}
	// 627 shapes in the model, plus UpdateMembershipPaymentConfiguration from the overlay.
	if len(m.Shapes) != 628 {
		t.Errorf("shapes: %d, want 628", len(m.Shapes))
	}
	if _, ok := m.Shapes["UpdateMembershipInput"].Members["membershipPaymentConfiguration"]; !ok {
		t.Error("overlay member UpdateMembershipInput.membershipPaymentConfiguration missing")
	}
}

// The overlay translations must accept and reject what the Java patterns do.
func TestPatternTranslations(t *testing.T) {
	_, o := load(t)
	match := func(java, value string) bool {
		p, err := translatePattern(java, o.Patterns)
		if err != nil {
			t.Fatal(err)
		}
		ok := regexp.MustCompile(anchored(p.Match)).MatchString(value)
		if p.Reject != "" && regexp.MustCompile(anchored(p.Reject)).MatchString(value) {
			ok = false
		}
		return ok
	}
	name := `(?!\s*$)[\u0020-\uD7FF\uE000-\uFFFD\uD800\uDBFF-\uDC00\uDFFF\t]*`
	desc := `(?!\s*$)[\u0020-\uD7FF\uE000-\uFFFD\uD800\uDBFF-\uDC00\uDFFF\t\r\n]*`
	bucket := `.*(?!^(\d+\.)+\d+$)(^(([a-z0-9]|[a-z0-9][a-z0-9\-]*[a-z0-9])\.)*([a-z0-9]|[a-z0-9][a-z0-9\-]*[a-z0-9])$).*`
	for _, c := range []struct {
		pattern, value string
		want           bool
	}{
		{name, "campaign 2026", true},
		{name, "tab\tok", true},
		{name, "emoji 🙂 ok", true},
		{name, "   ", false},
		{name, "", false},
		{name, "line\nbreak", false},
		{name, "bell\a", false},
		{desc, "line\nbreak", true},
		{desc, "\n\t ", false},
		{bucket, "my-bucket.example", true},
		{bucket, "results", true},
		{bucket, "192.168.1.1", false},
		{bucket, "Upper", false},
		{bucket, "-leading", false},
		{bucket, "trailing-", false},
		{bucket, "a..b", false},
		{`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`, "5ac65a10-dde7-4916-890e-3abc51e07839", true},
		{`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`, "5AC65A10-dde7-4916-890e-3abc51e07839", false},
		{`\d+`, "12345678901a", false},
		{`\d+`, "123456789012", true},
	} {
		if got := match(c.pattern, c.value); got != c.want {
			t.Errorf("pattern %.30q on %q: %v, want %v", c.pattern, c.value, got, c.want)
		}
	}
}

// The generator refuses what it cannot express instead of dropping it.
func TestGeneratorRefusesUnhandled(t *testing.T) {
	if _, err := translatePattern(`(?!x)y`, nil); err == nil || !strings.Contains(err.Error(), "lookaround") {
		t.Errorf("lookahead without overlay: %v", err)
	}
	if _, err := translatePattern(`[\uD800-\uDBFF]`, nil); err == nil {
		t.Error("surrogate escape without overlay was accepted")
	}
	m, _ := load(t)
	m.Shapes["GetMembershipInput"].Members["membershipIdentifier"].Location = "header"
	if err := check(m); err == nil {
		t.Error("header-bound member was accepted")
	}
	m, _ = load(t)
	m.Shapes["Blob"] = &Shape{Type: "blob", name: "Blob"}
	if err := check(m); err == nil {
		t.Error("blob shape was accepted")
	}
	m, o := load(t)
	delete(m.Shapes["GetMembershipInput"].Members, "membershipIdentifier")
	m.Shapes["GetMembershipInput"].Required = nil
	if _, err := Generate(m, o); err == nil || !strings.Contains(err.Error(), "URI label") {
		t.Errorf("URI label without member: %v", err)
	}
}

// The committed internal/api/glueapi must be exactly what the generator
// makes from model/glue.
func TestGlueGeneratedCodeIsCurrent(t *testing.T) {
	m, o, err := Load("../../model/glue/glue-2017-03-31.json", "../../model/glue/overlay.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Operations) != len(o.Operations) {
		t.Errorf("operations after pruning: %d, want the overlay's %d", len(m.Operations), len(o.Operations))
	}
	for _, kept := range []string{"TableInput", "StorageDescriptor", "EntityNotFoundException", "ValidationException"} {
		if m.Shapes[kept] == nil {
			t.Errorf("shape %s pruned", kept)
		}
	}
	if m.Shapes["CreateJobRequest"] != nil {
		t.Error("CreateJobRequest kept although CreateJob is not generated")
	}
	files, err := Generate(m, o)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 5 {
		t.Errorf("%d files, want 5 (no bindings for awsJson)", len(files))
	}
	for _, f := range files {
		have, err := os.ReadFile(filepath.Join("../api/glueapi", f.Name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(have, f.Src) {
			t.Errorf("internal/api/glueapi/%s is stale: run go generate ./internal/api/...", f.Name)
		}
		if !bytes.HasPrefix(f.Src, []byte("// Code generated ")) || !bytes.Contains(f.Src[:120], []byte("DO NOT EDIT.")) {
			t.Errorf("%s lacks the generated-code header", f.Name)
		}
	}
}

func TestPruneRejectsUnknownOperation(t *testing.T) {
	m := &Model{Operations: map[string]*Operation{}, Shapes: map[string]*Shape{}}
	if err := prune(m, &Overlay{Operations: []string{"Nope"}}); err == nil {
		t.Error("prune accepted an operation the model does not have")
	}
}
