// Package restjson is the AWS rest-json protocol, server side: it routes a
// request to an operation of the generated table, binds URI labels, query
// string and JSON body into the operation's input, validates it against
// the model, calls the Service, and writes the output or the error the way
// AWS does. It is generic: everything operation-specific comes from
// internal/api.
package restjson
