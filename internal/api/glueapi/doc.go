// Package glueapi is the part of the AWS Glue API that cleanroomsd serves
// (the Data Catalog's databases and tables, see model/glue/overlay.json):
// its shapes, enums, exceptions, validators and operation table, keyed by
// X-Amz-Target.
//
// The *_gen.go files are generated from model/glue by internal/codegen;
// the other files are the small hand-written runtime they rely on. It
// shares package api's timestamps and error interfaces; validation is its
// own, because Glue reports constraint failures as a ValidationException
// with Coral's message and member paths (see validation.go).
package glueapi
