package identity

// DefaultAccountID is the account used for callers whose access key is neither
// registered nor itself an account id.
const DefaultAccountID = "000000000000"

// AccountForAccessKey resolves the account a caller acts as. creds may be nil
// (no credentials file configured). See the package documentation for the
// rules.
func AccountForAccessKey(creds *Credentials, accessKeyID string) string {
	if _, account, ok := creds.Lookup(accessKeyID); ok {
		return account
	}
	if IsAccountID(accessKeyID) {
		return accessKeyID
	}
	return DefaultAccountID
}

// IsAccountID reports whether s is exactly 12 ASCII digits.
func IsAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
