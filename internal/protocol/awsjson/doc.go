// Package awsjson is the AWS JSON 1.1 protocol (awsJson1_1), server side,
// for the Glue operations of internal/api/glueapi: every call is a POST to
// "/" whose X-Amz-Target header ("AWSGlue.GetTable") names the operation,
// with the input as a JSON object whose keys are the model's member names.
// It decodes and validates the input, calls the Service, and writes the
// output or the error as Glue does:
//
//	HTTP/1.1 400
//	Content-Type: application/x-amz-json-1.1
//	X-Amzn-ErrorType: EntityNotFoundException
//
//	{"__type":"EntityNotFoundException","Message":"Database x not found."}
//
// Clients read the code from X-Amzn-ErrorType or __type (dropping any
// "namespace#" prefix and ":suffix") and the message from Message or
// message; both are sent.
package awsjson
