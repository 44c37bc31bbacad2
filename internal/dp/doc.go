// Package dp is cleanroomsd's differential privacy: the accountant that
// turns a collaboration's privacy budget template (epsilon,
// usersNoisePerQuery) into what each aggregation of a query spends, and the
// mechanism that bounds each user's contribution and adds calibrated noise
// to every released aggregate. Nothing here reads tables or SQL: package
// query decides what a differentially private query may look like, the
// engine computes the partial aggregates, and this package noises them.
//
// The whole design, with the formulas and why they are sound, is in
// docs/differential-privacy.md.
package dp
