package store

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"github.com/gantryhq/gantry/catalog/ingest"
)

// The github catalog source's memory between syncs (ingest.GitHubState):
// list page ETags, repositories with their trees and files, and blob
// contents by SHA.

// GitHubPages returns the ETag recorded for each page of a source's
// repository list.
func (db *DB) GitHubPages(ctx context.Context, source string) (map[int]string, error) {
	var rows []struct {
		Page int    `db:"page"`
		ETag string `db:"etag"`
	}
	q := db.read.Rebind("SELECT page, etag FROM github_pages WHERE source = ?")
	if err := db.read.SelectContext(ctx, &rows, q, noNUL(source)); err != nil {
		return nil, dbError(err, "reading the GitHub list pages of source %q", source)
	}
	out := make(map[int]string, len(rows))
	for _, r := range rows {
		out[r.Page] = r.ETag
	}
	return out, nil
}

// SetGitHubPages replaces a source's page ETags in one transaction.
func (db *DB) SetGitHubPages(ctx context.Context, source string, etags map[int]string) error {
	tx, err := db.write.BeginTxx(ctx, nil)
	if err != nil {
		return dbError(err, "recording the GitHub list pages of source %q", source)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, tx.Rebind("DELETE FROM github_pages WHERE source = ?"), noNUL(source)); err != nil {
		return dbError(err, "recording the GitHub list pages of source %q", source)
	}
	pages := make([]int, 0, len(etags))
	for p := range etags {
		pages = append(pages, p)
	}
	sort.Ints(pages)
	ins := tx.Rebind("INSERT INTO github_pages (source, page, etag) VALUES (?, ?, ?)")
	for _, p := range pages {
		if _, err := tx.ExecContext(ctx, ins, noNUL(source), p, noNUL(etags[p])); err != nil {
			return dbError(err, "recording the GitHub list pages of source %q", source)
		}
	}
	if err := tx.Commit(); err != nil {
		return dbError(err, "recording the GitHub list pages of source %q", source)
	}
	return nil
}

type githubRepoRow struct {
	RepoID        int64  `db:"repo_id"`
	FullName      string `db:"full_name"`
	DefaultBranch string `db:"default_branch"`
	HeadSHA       string `db:"head_sha"`
	TreeSHA       string `db:"tree_sha"`
	TreeETag      string `db:"tree_etag"`
	PushedAt      int64  `db:"pushed_at"`
	ListPage      int    `db:"list_page"`
	Extra         string `db:"extra"`
}

type githubFileRow struct {
	RepoID int64  `db:"repo_id"`
	Path   string `db:"path"`
	SHA    string `db:"sha"`
	Size   int64  `db:"size"`
	Role   string `db:"role"`
	Info   string `db:"info"`
}

// githubFileInfo is the JSON part of a file row.
type githubFileInfo struct {
	Deps    map[string]string `json:"deps,omitempty"`
	Targets []string          `json:"targets,omitempty"`
	Refs    []string          `json:"refs,omitempty"`
}

// GitHubRepos returns the repositories recorded for a source, by full name,
// with their files by path.
func (db *DB) GitHubRepos(ctx context.Context, source string) ([]ingest.GitHubRepo, error) {
	var rows []githubRepoRow
	q := db.read.Rebind(`SELECT repo_id, full_name, default_branch, head_sha, tree_sha, tree_etag, pushed_at, list_page, extra
		FROM github_repos WHERE source = ? ORDER BY full_name, repo_id`)
	if err := db.read.SelectContext(ctx, &rows, q, noNUL(source)); err != nil {
		return nil, dbError(err, "reading the GitHub repositories of source %q", source)
	}
	var files []githubFileRow
	q = db.read.Rebind("SELECT repo_id, path, sha, size, role, info FROM github_files WHERE source = ? ORDER BY repo_id, path")
	if err := db.read.SelectContext(ctx, &files, q, noNUL(source)); err != nil {
		return nil, dbError(err, "reading the GitHub files of source %q", source)
	}
	byRepo := map[int64][]ingest.GitHubFile{}
	for _, f := range files {
		var info githubFileInfo
		if err := json.Unmarshal([]byte(f.Info), &info); err != nil {
			return nil, fmt.Errorf("GitHub file %s of repository %d: %w", f.Path, f.RepoID, err)
		}
		byRepo[f.RepoID] = append(byRepo[f.RepoID], ingest.GitHubFile{Path: f.Path, SHA: f.SHA, Size: f.Size, Role: f.Role,
			Deps: info.Deps, Targets: info.Targets, Refs: info.Refs})
	}
	out := make([]ingest.GitHubRepo, 0, len(rows))
	for _, r := range rows {
		g := ingest.GitHubRepo{ID: r.RepoID, FullName: r.FullName, DefaultBranch: r.DefaultBranch, HeadSHA: r.HeadSHA,
			TreeSHA: r.TreeSHA, TreeETag: r.TreeETag, ListPage: r.ListPage, Files: byRepo[r.RepoID]}
		if r.PushedAt != 0 {
			g.PushedAt = time.Unix(r.PushedAt, 0).UTC()
		}
		if err := json.Unmarshal([]byte(r.Extra), &g.Extra); err != nil {
			return nil, fmt.Errorf("GitHub repository %s: %w", r.FullName, err)
		}
		out = append(out, g)
	}
	return out, nil
}

// PutGitHubRepo records one repository of a source, replacing what was
// recorded of it (files included), in one transaction.
func (db *DB) PutGitHubRepo(ctx context.Context, source string, r ingest.GitHubRepo) error {
	extra, err := json.Marshal(r.Extra)
	if err != nil {
		return fmt.Errorf("encoding the state of %s: %w", r.FullName, err)
	}
	var pushed int64
	if !r.PushedAt.IsZero() {
		pushed = r.PushedAt.Unix()
	}
	what := "recording GitHub repository " + r.FullName
	tx, err := db.write.BeginTxx(ctx, nil)
	if err != nil {
		return dbError(err, "%s", what)
	}
	defer tx.Rollback()
	_, err = tx.ExecContext(ctx, tx.Rebind(`INSERT INTO github_repos
		(source, repo_id, full_name, default_branch, head_sha, tree_sha, tree_etag, pushed_at, list_page, extra)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (source, repo_id) DO UPDATE SET full_name = excluded.full_name, default_branch = excluded.default_branch,
		head_sha = excluded.head_sha, tree_sha = excluded.tree_sha, tree_etag = excluded.tree_etag,
		pushed_at = excluded.pushed_at, list_page = excluded.list_page, extra = excluded.extra`),
		noNULArgs([]any{source, r.ID, r.FullName, r.DefaultBranch, r.HeadSHA, r.TreeSHA, r.TreeETag, pushed, r.ListPage,
			noNULJSON(string(extra))})...)
	if err != nil {
		return dbError(err, "%s", what)
	}
	if _, err := tx.ExecContext(ctx, tx.Rebind("DELETE FROM github_files WHERE source = ? AND repo_id = ?"), noNUL(source), r.ID); err != nil {
		return dbError(err, "%s", what)
	}
	ins := tx.Rebind("INSERT INTO github_files (source, repo_id, path, sha, size, role, info) VALUES (?, ?, ?, ?, ?, ?, ?)")
	for _, f := range r.Files {
		info, err := json.Marshal(githubFileInfo{Deps: f.Deps, Targets: f.Targets, Refs: f.Refs})
		if err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		if _, err := tx.ExecContext(ctx, ins, noNULArgs([]any{source, r.ID, f.Path, f.SHA, f.Size, f.Role, noNULJSON(string(info))})...); err != nil {
			return dbError(err, "%s: file %s", what, f.Path)
		}
	}
	if err := tx.Commit(); err != nil {
		return dbError(err, "%s", what)
	}
	return nil
}

// DeleteGitHubRepos forgets repositories of a source and their files.
func (db *DB) DeleteGitHubRepos(ctx context.Context, source string, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	tx, err := db.write.BeginTxx(ctx, nil)
	if err != nil {
		return dbError(err, "forgetting GitHub repositories of source %q", source)
	}
	defer tx.Rollback()
	for _, q := range []string{"DELETE FROM github_files WHERE source = ? AND repo_id = ?", "DELETE FROM github_repos WHERE source = ? AND repo_id = ?"} {
		q = tx.Rebind(q)
		for _, id := range ids {
			if _, err := tx.ExecContext(ctx, q, noNUL(source), id); err != nil {
				return dbError(err, "forgetting GitHub repository %d of source %q", id, source)
			}
		}
	}
	if err := tx.Commit(); err != nil {
		return dbError(err, "forgetting GitHub repositories of source %q", source)
	}
	return nil
}

// GitHubBlobs returns the stored contents of those of shas that are stored.
func (db *DB) GitHubBlobs(ctx context.Context, shas []string) (map[string][]byte, error) {
	out := make(map[string][]byte, len(shas))
	const chunk = 500
	for len(shas) > 0 {
		n := min(len(shas), chunk)
		part := shas[:n]
		shas = shas[n:]
		var rows []struct {
			SHA     string `db:"sha"`
			Content []byte `db:"content"`
		}
		q, args := inList("SELECT sha, content FROM github_blobs WHERE sha IN (%s)", part)
		if err := db.read.SelectContext(ctx, &rows, db.read.Rebind(q), args...); err != nil {
			return nil, dbError(err, "reading stored GitHub blobs")
		}
		for _, r := range rows {
			out[r.SHA] = r.Content
		}
	}
	return out, nil
}

// PutGitHubBlob stores a blob's content (a blob's SHA names its content,
// so an existing row is left as it is).
func (db *DB) PutGitHubBlob(ctx context.Context, sha string, data []byte) error {
	if data == nil {
		data = []byte{}
	}
	_, err := db.write.ExecContext(ctx, db.write.Rebind(`INSERT INTO github_blobs (sha, content, stored_at) VALUES (?, ?, ?)
		ON CONFLICT (sha) DO NOTHING`), noNUL(sha), data, time.Now().Unix())
	if err != nil {
		return dbError(err, "storing GitHub blob %s", sha)
	}
	return nil
}

// PruneGitHubBlobs deletes the blobs that no recorded file refers to.
func (db *DB) PruneGitHubBlobs(ctx context.Context) (int, error) {
	res, err := db.write.ExecContext(ctx, `DELETE FROM github_blobs WHERE NOT EXISTS
		(SELECT 1 FROM github_files f WHERE f.sha = github_blobs.sha)`)
	if err != nil {
		return 0, dbError(err, "pruning GitHub blobs")
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// inList expands the %s of q into one placeholder per value.
func inList(q string, values []string) (string, []any) {
	marks := make([]byte, 0, 2*len(values))
	args := make([]any, len(values))
	for i, v := range values {
		if i > 0 {
			marks = append(marks, ',')
		}
		marks = append(marks, '?')
		args[i] = noNUL(v)
	}
	return fmt.Sprintf(q, marks), args
}
