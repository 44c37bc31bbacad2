// Package identity resolves who is calling the API and carries that identity
// (and the request id) through a request's context.
//
// # Credentials file
//
// The server can be given a JSON file that lists the access keys it accepts.
// Each access key maps to its secret (used to verify SigV4 signatures) and to
// the 12-digit AWS account id the caller acts as:
//
//	{
//	  "credentials": [
//	    {
//	      "accessKeyId": "AKIAIOSFODNN7EXAMPLE",
//	      "secretAccessKey": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
//	      "accountId": "111122223333"
//	    }
//	  ]
//	}
//
// An entry may also carry "sessionToken": the key then stands for temporary
// credentials, and a request verified against it must send exactly that
// X-Amz-Security-Token; a key without one accepts no token.
//
// Rules: accessKeyId must be non-empty and unique across the file,
// secretAccessKey must be non-empty, accountId must be exactly 12 ASCII
// digits. Unknown fields are rejected so that typos (e.g. "acountId") are
// reported instead of silently ignored (field names match
// case-insensitively, as usual for encoding/json).
//
// # Account resolution
//
// [AccountForAccessKey] decides which account a request belongs to: a key
// listed in the credentials file maps to its account; otherwise a key that is
// itself exactly 12 digits is taken as the account id (handy for local use,
// e.g. AWS_ACCESS_KEY_ID=111122223333); anything else maps to
// [DefaultAccountID].
package identity
