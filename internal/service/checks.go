package service

import (
	"fmt"
	"slices"
	"strings"

	"github.com/cleanroomsd/cleanroomsd/internal/api"
)

// noDuplicates rejects a list that names a value twice (CloudFormation's
// schemas declare these lists uniqueItems).
func noDuplicates[T ~string](field string, list []T) error {
	// Short lists (abilities, the usual case) are compared pairwise,
	// without a map; both report the first element seen before.
	if len(list) <= 16 {
		for j := 1; j < len(list); j++ {
			if slices.Contains(list[:j], list[j]) {
				return invalid(field, fmt.Sprintf("%s lists %s more than once.", field, list[j]))
			}
		}
		return nil
	}
	seen := make(map[T]bool, len(list))
	for _, v := range list {
		if seen[v] {
			return invalid(field, fmt.Sprintf("%s lists %s more than once.", field, v))
		}
		seen[v] = true
	}
	return nil
}

// maxTags is the most tags a resource may carry (the model's TagMap max).
const maxTags = 200

// checkTagKeys rejects keys in the aws: namespace, which AWS reserves.
func checkTagKeys(field string, keys []string) error {
	for _, k := range keys {
		if strings.HasPrefix(strings.ToLower(k), "aws:") {
			return invalid(field, fmt.Sprintf("Tag key %q uses the reserved prefix aws:.", k))
		}
	}
	return nil
}

func tagKeys(tags map[string]string) []string {
	keys := make([]string, 0, len(tags))
	for k := range tags {
		keys = append(keys, k)
	}
	return keys
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

func hasAbility(list []string, a api.MemberAbility) bool {
	for _, x := range list {
		if x == string(a) {
			return true
		}
	}
	return false
}
