// Package actions is Gantry's self-service: action definitions (YAML files
// of kind Action), their inputs and approval policy, and the run engine
// that executes their steps (create a repository, commit files, grant a
// team, protect a branch, dispatch a workflow, create a database, call a
// webhook, register the result in the catalog).
//
// # Definitions
//
// Load reads definitions from files and folders and validates them,
// reporting every problem as "FILE:LINE: message". Templates (`${{ … }}`)
// and step conditions (`if:`) are CEL expressions (package internal/expr)
// over inputs, user, entities, steps, secrets and run: typed, sandboxed and
// bounded in cost, so no template can run a command or read a file.
//
// # Runs
//
// A run is a persisted state machine (see State):
//
//	awaiting_approval ──approve──▶ queued ──claim──▶ running ──▶ succeeded
//	        │ reject / expire / cancel                 │ step fails
//	        ▼                                          ▼
//	rejected / expired / cancelled          failed ──retry──▶ queued
//
// Every change goes through RunStore.UpdateRun, a read-modify-write under
// the row's lock, so concurrent clicks, retries and replicas never lose an
// update; every decision and every step's start and end is written to the
// audit trail in the same transaction, with secrets redacted. Steps run one
// after the other; each is idempotent (it checks before it creates, keeps
// a memo of what it started, and recognises what an earlier attempt of the
// same run made), so a crash between two steps, or within one, never
// duplicates a repository or a database: after a restart, Engine.Serve
// resumes running runs from their last completed step (their lease having
// expired) and waiting runs keep waiting.
//
// # Who may do what
//
// Authorisation is decided here, on the server, for every submission and
// click: Submit checks spec.allowed, Decide checks that the actor is an
// approver and not the requester, Retry that the actor is the requester or
// an approver. The Slack glue (bot/actions_*.go) passes who acted, as Slack
// told it, and shows the errkind.Forbidden or errkind.Conflict sentence it
// gets back.
package actions
