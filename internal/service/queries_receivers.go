package service

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/cleanroomsd/cleanroomsd/internal/api"
	"github.com/cleanroomsd/cleanroomsd/internal/cleanrooms"
)

// fromQueryOutput is the resultConfiguration as given, in store form.
func fromQueryOutput(in *api.ProtectedQueryResultConfiguration) *cleanrooms.QueryOutputConfig {
	if in == nil || in.OutputConfiguration == nil {
		return nil
	}
	o := in.OutputConfiguration
	out := &cleanrooms.QueryOutputConfig{S3: fromQueryS3(o.S3), Member: fromQueryMember(o.Member)}
	if o.Distribute != nil {
		out.Distribute = []cleanrooms.QueryOutputConfigItem{}
		for _, l := range o.Distribute.Locations {
			out.Distribute = append(out.Distribute, cleanrooms.QueryOutputConfigItem{S3: fromQueryS3(l.S3), Member: fromQueryMember(l.Member)})
		}
	}
	return out
}

func fromQueryS3(s *api.ProtectedQueryS3OutputConfiguration) *cleanrooms.QueryS3Output {
	if s == nil {
		return nil
	}
	return &cleanrooms.QueryS3Output{Bucket: deref(s.Bucket), KeyPrefix: deref(s.KeyPrefix),
		ResultFormat: string(s.ResultFormat), SingleFileOutput: s.SingleFileOutput}
}

func fromQueryMember(m *api.ProtectedQueryMemberOutputConfiguration) *cleanrooms.QueryMemberOutput {
	if m == nil {
		return nil
	}
	return &cleanrooms.QueryMemberOutput{AccountID: deref(m.AccountId)}
}

func toQueryOutput(o *cleanrooms.QueryOutputConfig) *api.ProtectedQueryResultConfiguration {
	if o == nil {
		return nil
	}
	out := &api.ProtectedQueryOutputConfiguration{S3: toQueryS3(o.S3), Member: toQueryMember(o.Member)}
	if o.Distribute != nil {
		out.Distribute = &api.ProtectedQueryDistributeOutputConfiguration{}
		for _, l := range o.Distribute {
			out.Distribute.Locations = append(out.Distribute.Locations,
				api.ProtectedQueryDistributeOutputConfigurationLocation{S3: toQueryS3(l.S3), Member: toQueryMember(l.Member)})
		}
	}
	return &api.ProtectedQueryResultConfiguration{OutputConfiguration: out}
}

func toQueryS3(s *cleanrooms.QueryS3Output) *api.ProtectedQueryS3OutputConfiguration {
	if s == nil {
		return nil
	}
	return &api.ProtectedQueryS3OutputConfiguration{Bucket: str(s.Bucket), KeyPrefix: optStr(s.KeyPrefix),
		ResultFormat: api.ResultFormat(s.ResultFormat), SingleFileOutput: s.SingleFileOutput}
}

func toQueryMember(m *cleanrooms.QueryMemberOutput) *api.ProtectedQueryMemberOutputConfiguration {
	if m == nil {
		return nil
	}
	return &api.ProtectedQueryMemberOutputConfiguration{AccountId: str(m.AccountID)}
}

// resolveReceivers turns the output configuration (nil: the querier's
// default result configuration) into where results go (dataplane spec
// 3.1): an s3 location is the querier's own, so the querier must be able
// to receive results; a member output goes to that member's default
// result configuration, and the member must be ACTIVE and able to receive
// results. Spark-only options are refused in a CLEAN_ROOMS_SQL
// collaboration.
func resolveReceivers(ctx context.Context, tx cleanrooms.ReadTx, c *cleanrooms.Collaboration, ms *cleanrooms.Membership, me *cleanrooms.Member, o *cleanrooms.QueryOutputConfig) ([]cleanrooms.QueryReceiver, error) {
	const field = "resultConfiguration.outputConfiguration"
	spark := c.AnalyticsEngine != string(api.AnalyticsEngineCleanRoomsSql)
	direct := func(s *cleanrooms.QueryS3Output, f string) (cleanrooms.QueryReceiver, error) {
		if !hasAbility(me.Abilities, api.MemberAbilityCanReceiveResults) {
			return cleanrooms.QueryReceiver{}, invalid(f, "The member who can query cannot receive results: send them to a member who can (outputConfiguration.member).")
		}
		if s.SingleFileOutput != nil && !spark {
			return cleanrooms.QueryReceiver{}, invalid(f+".singleFileOutput", "singleFileOutput is available only in collaborations whose analytics engine is SPARK.")
		}
		return cleanrooms.QueryReceiver{AccountID: ms.AccountID, MembershipID: ms.ID, Direct: true, Bucket: s.Bucket,
			KeyPrefix: s.KeyPrefix, Format: s.ResultFormat, SingleFile: deref(s.SingleFileOutput)}, nil
	}
	member := func(acct, f string) (cleanrooms.QueryReceiver, error) {
		if acct == ms.AccountID {
			return cleanrooms.QueryReceiver{}, invalid(f, "The member who can query receives results through an s3 output configuration, not a member one.")
		}
		m, err := tx.GetMember(ctx, c.ID, acct)
		if errors.Is(err, cleanrooms.ErrNotFound) {
			return cleanrooms.QueryReceiver{}, invalid(f, fmt.Sprintf("Account %s is not a member of the collaboration.", acct))
		}
		if err != nil {
			return cleanrooms.QueryReceiver{}, err
		}
		if m.Status != cleanrooms.MemberActive || m.MembershipID == "" {
			return cleanrooms.QueryReceiver{}, invalid(f, fmt.Sprintf("Member %s is not an active member of the collaboration.", acct))
		}
		if !hasAbility(m.Abilities, api.MemberAbilityCanReceiveResults) {
			return cleanrooms.QueryReceiver{}, invalid(f, fmt.Sprintf("Member %s cannot receive results.", acct))
		}
		rms, err := tx.GetMembership(ctx, m.MembershipID)
		if err != nil {
			return cleanrooms.QueryReceiver{}, err
		}
		d := rms.DefaultResultConfig
		if d == nil || d.S3 == nil {
			return cleanrooms.QueryReceiver{}, invalid(f, fmt.Sprintf("Member %s has no default result configuration.", acct))
		}
		return cleanrooms.QueryReceiver{AccountID: acct, MembershipID: rms.ID, Bucket: d.S3.Bucket,
			KeyPrefix: deref(d.S3.KeyPrefix), Format: d.S3.ResultFormat, SingleFile: deref(d.S3.SingleFileOutput)}, nil
	}
	switch {
	case o == nil:
		d := ms.DefaultResultConfig
		if d == nil || d.S3 == nil {
			return nil, invalid("resultConfiguration", "No resultConfiguration was given and the membership has no default result configuration.")
		}
		r, err := direct(&cleanrooms.QueryS3Output{Bucket: d.S3.Bucket, KeyPrefix: deref(d.S3.KeyPrefix),
			ResultFormat: d.S3.ResultFormat, SingleFileOutput: d.S3.SingleFileOutput}, "resultConfiguration")
		return []cleanrooms.QueryReceiver{r}, err
	case o.S3 != nil:
		r, err := direct(o.S3, field+".s3")
		return []cleanrooms.QueryReceiver{r}, err
	case o.Member != nil:
		r, err := member(o.Member.AccountID, field+".member.accountId")
		return []cleanrooms.QueryReceiver{r}, err
	}
	f := field + ".distribute"
	if !spark {
		return nil, invalid(f, "distribute is available only in collaborations whose analytics engine is SPARK.")
	}
	var out []cleanrooms.QueryReceiver
	s3s := 0
	for i, l := range o.Distribute {
		lf := fmt.Sprintf("%s.locations[%d]", f, i)
		var r cleanrooms.QueryReceiver
		var err error
		switch {
		case l.S3 != nil:
			if s3s++; s3s > 1 {
				return nil, invalid(lf, "distribute may name at most one s3 location.")
			}
			r, err = direct(l.S3, lf+".s3")
		case l.Member != nil:
			r, err = member(l.Member.AccountID, lf+".member.accountId")
			if err == nil && slices.ContainsFunc(out, func(x cleanrooms.QueryReceiver) bool { return !x.Direct && x.AccountID == r.AccountID }) {
				err = invalid(lf, fmt.Sprintf("Member %s is named twice.", r.AccountID))
			}
		}
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// receiverAccounts are the distinct accounts results go to, in order.
func receiverAccounts(rs []cleanrooms.QueryReceiver) []string {
	var out []string
	for _, r := range rs {
		if !slices.Contains(out, r.AccountID) {
			out = append(out, r.AccountID)
		}
	}
	return out
}
