// Package objects is cleanroomsd's embedded S3: a focused subset of the S3
// REST API (path-style addressing) written on encoding/xml, with bucket
// and object metadata in the cleanrooms Store and object bytes streamed to
// blobs (files under a directory, or memory), and the data-plane interface
// Objects through which the query engine reads tables and writes results,
// served either by the embedded store or by an external S3 endpoint.
//
// Buckets belong to the account that created them: every bucket and object
// operation of another account answers 403 AccessDenied. See docs/objects.md.
package objects
