package codegen

import (
	"fmt"
	"strings"
	"unicode"
)

// exported turns a model member name into a Go field name: the first rune
// upper-cased ("creatorMLMemberAbilities" → "CreatorMLMemberAbilities").
func exported(name string) string {
	r := []rune(name)
	r[0] = unicode.ToUpper(r[0])
	return string(r)
}

// enumConstName names an enum constant: type name plus the value in camel
// case ("MemberAbility" + "CAN_QUERY" → "MemberAbilityCanQuery").
func enumConstName(typeName, value string) string {
	var b strings.Builder
	b.WriteString(typeName)
	for _, part := range strings.FieldsFunc(value, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	}) {
		p := []rune(strings.ToLower(part))
		p[0] = unicode.ToUpper(p[0])
		b.WriteString(string(p))
	}
	return b.String()
}

// reservedTypeNames are names the hand-written part of package api uses;
// a model shape with one of these names would collide.
var reservedTypeNames = map[string]bool{
	"Timestamp": true, "Document": true, "Service": true, "Operation": true,
	"Input": true, "Validator": true, "GenericError": true, "APIError": true,
	"Unimplemented": true, "Operations": true,
}

// goTypeName is the Go name of a named (structure or enum) shape.
func goTypeName(shape string) (string, error) {
	if shape == "Document" {
		return "Document", nil
	}
	if reservedTypeNames[shape] {
		return "", fmt.Errorf("shape %s collides with a hand-written name of package api", shape)
	}
	return shape, nil
}
