package service

import (
	"context"
	"strings"

	"github.com/cleanroomsd/cleanroomsd/internal/identity"
)

// DefaultRegion is used when a request carries no region (only in
// in-process use without the authentication step).
const DefaultRegion = "us-east-1"

func callerOf(ctx context.Context) identity.Caller {
	c, ok := identity.CallerFrom(ctx)
	if !ok || c.AccountID == "" {
		c.AccountID = identity.DefaultAccountID
	}
	if c.Region == "" {
		c.Region = DefaultRegion
	}
	return c
}

// ARNs, in the forms of the Service Authorization Reference: a
// collaboration lives in its creator's account, a membership in its
// member's account (shared spec 1.3).

// Concatenation, not fmt.Sprintf: one allocation instead of four (the
// result and three boxed arguments), on every read of every resource.

func collaborationARN(region, account, id string) string {
	return "arn:aws:cleanrooms:" + region + ":" + account + ":collaboration/" + id
}

func membershipARN(region, account, id string) string {
	return "arn:aws:cleanrooms:" + region + ":" + account + ":membership/" + id
}

// resourceRef is a parsed Clean Rooms ARN.
type resourceRef struct {
	Region, Account string
	Type            string // "collaboration", "membership", ...
	ID              string
	Path            []string // the segments after the type's id (child resources)
}

// parseARN splits arn:aws:cleanrooms:REGION:ACCOUNT:TYPE/ID[/...]. The
// model's pattern has already checked the overall form.
func parseARN(arn string) (resourceRef, bool) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[1] != "aws" || parts[2] != "cleanrooms" {
		return resourceRef{}, false
	}
	segs := strings.Split(parts[5], "/")
	if len(segs) < 2 || segs[1] == "" {
		return resourceRef{}, false
	}
	return resourceRef{Region: parts[3], Account: parts[4], Type: segs[0], ID: segs[1], Path: segs[2:]}, true
}
