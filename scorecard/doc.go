// Package scorecard measures the catalog against standards and says so
// where teams read: scorecard definitions (YAML files of kind Scorecard),
// the facts rules read, the evaluator, the history of results and their
// trends, and the content of each team's weekly digest.
//
// # Definitions
//
// Load reads definitions from files and folders and validates them,
// reporting every problem as "FILE:LINE: message"; a scorecard with a
// problem is left out and the others load. A scorecard has a filter (a CEL
// expression over `entity`), ordered levels (Bronze, Silver, Gold), rules
// (an expression over `entity` and `facts`, a level, a weight and a fix
// hint that may name a self-service action) and a digest schedule.
//
// # Facts
//
// A rule reads facts.<provider>.<key>: facts.catalog (derived from the
// entity and its neighbours at evaluation time), facts.github (recorded by
// the github catalog source) and facts.prometheus (templated instant
// queries per entity, see Prometheus). A rule whose fact is missing is
// "unknown", shown apart from "failed" and never counted as passing.
//
// # Evaluation and history
//
// Evaluate runs every scorecard over the catalog (after each sync, and on
// demand) and records the results per entity, rule and evaluation. Only
// what changed since an entity's previous result is written, so the
// history stays small; ResultsAsOf answers "what was it at time T", from
// which trends ("Silver a week ago, Gold now, +12 points") are derived.
//
// # Digests
//
// ComposeDigest turns the results of one team into its digest as data
// (services and levels, what changed since the previous period and which
// rules flipped, the three most useful fixes); the bot renders it. The
// DigestRunner posts each (team, scorecard, period) once: it claims the
// digest in the store before posting, under a lease, lets a post under
// way finish when shutting down, records the message's ts after, and
// records a post whose outcome is unknown (a crash mid-post, a timeout) as
// uncertain rather than post it twice (see DigestRunner for the reasoning).
package scorecard
