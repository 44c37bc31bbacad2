// Package api is the Clean Rooms API as Go: every shape, enum, exception
// and operation of the service model, the validators of its constraints,
// and the Service interface that the server dispatches to.
//
// The *_gen.go files are generated from model/ by internal/codegen; the
// other files are the small hand-written runtime they rely on (timestamps,
// the validator, error interfaces, the operation type). Nothing here knows
// HTTP beyond the bindings the model declares.
package api
