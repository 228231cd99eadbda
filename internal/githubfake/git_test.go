package githubfake

import (
	"encoding/base64"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-github/v60/github"
)

func TestBlobSHAIsGits(t *testing.T) {
	// Well-known values: `printf 'hello\n' | git hash-object --stdin` and the empty blob.
	if got := BlobSHA("hello\n"); got != "ce013625030ba8dba906f756967f9e9ca394464a" {
		t.Errorf("BlobSHA(hello) = %s", got)
	}
	if got := BlobSHA(""); got != "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391" {
		t.Errorf("BlobSHA(empty) = %s", got)
	}
}

func TestTreeAndBlobFetchWithGitSHAs(t *testing.T) {
	s := start(t, testFixture())
	gh := s.Client(adminToken)
	tree := must[*github.Tree](t)(gh.Git.GetTree(ctx(t), "acme", "checkout", "main", true))
	want, _ := s.Files("acme", "checkout", "main")
	blobs := 0
	for _, e := range tree.Entries {
		if e.GetType() != "blob" {
			if e.GetType() != "tree" || e.GetMode() != "040000" {
				t.Errorf("entry %+v", e)
			}
			continue
		}
		blobs++
		content, ok := want[e.GetPath()]
		if !ok || e.GetSHA() != BlobSHA(content) || e.GetSize() != len(content) || e.GetMode() != "100644" {
			t.Errorf("entry %s: sha %s size %d, want %s %d", e.GetPath(), e.GetSHA(), e.GetSize(), BlobSHA(content), len(content))
		}
		blob := must[*github.Blob](t)(gh.Git.GetBlob(ctx(t), "acme", "checkout", e.GetSHA()))
		raw, err := base64.StdEncoding.DecodeString(blob.GetContent())
		if err != nil || string(raw) != content || blob.GetEncoding() != "base64" {
			t.Errorf("blob %s = %q (%v)", e.GetPath(), raw, err)
		}
	}
	if blobs != len(want) || tree.GetTruncated() {
		t.Errorf("blobs = %d, want %d; truncated=%v", blobs, len(want), tree.GetTruncated())
	}
	if git, err := exec.LookPath("git"); err == nil {
		if got := gitWriteTree(t, git, want); got != tree.GetSHA() {
			t.Errorf("tree sha %s, git write-tree says %s", tree.GetSHA(), got)
		}
	}
	// Non-recursive lists only the top level, sub-trees included.
	top := must[*github.Tree](t)(gh.Git.GetTree(ctx(t), "acme", "checkout", tree.GetSHA(), false))
	for _, e := range top.Entries {
		if strings.Contains(e.GetPath(), "/") {
			t.Errorf("non-recursive listed %s", e.GetPath())
		}
	}
}

// gitWriteTree asks real git for the tree SHA of a set of files.
func gitWriteTree(t *testing.T, git string, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	run := func(args ...string) string {
		cmd := exec.Command(git, args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_SYSTEM=/dev/null")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	run("init", "-q")
	for p, c := range files {
		full := filepath.Join(dir, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	run("add", "-A")
	return run("write-tree")
}

func TestTreeTruncatedOverEntryLimit(t *testing.T) {
	f := testFixture()
	f.Limits.TreeEntries = 3
	s := start(t, f)
	tree := must[*github.Tree](t)(s.Client(adminToken).Git.GetTree(ctx(t), "acme", "checkout", "main", true))
	if !tree.GetTruncated() || len(tree.Entries) != 3 {
		t.Errorf("truncated=%v entries=%d", tree.GetTruncated(), len(tree.Entries))
	}
}

func TestEmptyRepoConflicts(t *testing.T) {
	s := start(t, testFixture())
	gh := s.Client(adminToken)
	_, _, err := gh.Git.GetTree(ctx(t), "acme", "empty", "main", true)
	if er := errResp(t, err, 409); er.Message != "Git Repository is empty." {
		t.Errorf("message = %q", er.Message)
	}
	_, _, err = gh.Git.CreateBlob(ctx(t), "acme", "empty", &github.Blob{Content: github.String("x"), Encoding: github.String("utf-8")})
	errResp(t, err, 409)
	_, _, _, err = gh.Repositories.GetContents(ctx(t), "acme", "empty", "README.md", nil)
	if er := errResp(t, err, 404); er.Message != "This repository is empty." {
		t.Errorf("message = %q", er.Message)
	}
	// The contents API makes the first commit.
	_, resp, err := gh.Repositories.CreateFile(ctx(t), "acme", "empty", "README.md", &github.RepositoryContentFileOptions{
		Message: github.String("init"), Content: []byte("# empty\n"),
	})
	if err != nil || resp.StatusCode != 201 {
		t.Fatalf("init: %v", err)
	}
	if got, _ := s.File("acme", "empty", "main", "README.md"); got != "# empty\n" {
		t.Errorf("README = %q", got)
	}
}

// TestGitDataCommitFlow is how self-service actions commit several files at
// once: ref → commit → blobs → tree on base_tree → commit → move the ref.
func TestGitDataCommitFlow(t *testing.T) {
	s := start(t, testFixture())
	gh := s.Client(adminToken)
	c := ctx(t)
	ref := must[*github.Reference](t)(gh.Git.GetRef(c, "acme", "checkout", "heads/feature"))
	head := must[*github.Commit](t)(gh.Git.GetCommit(c, "acme", "checkout", ref.GetObject().GetSHA()))
	blob := must[*github.Blob](t)(gh.Git.CreateBlob(c, "acme", "checkout", &github.Blob{
		Content: github.String(base64.StdEncoding.EncodeToString([]byte("service: checkout\n"))), Encoding: github.String("base64")}))
	if blob.GetSHA() != BlobSHA("service: checkout\n") {
		t.Errorf("blob sha = %s", blob.GetSHA())
	}
	tree := must[*github.Tree](t)(gh.Git.CreateTree(c, "acme", "checkout", head.GetTree().GetSHA(), []*github.TreeEntry{
		{Path: github.String("deploy/app.yaml"), Mode: github.String("100644"), Type: github.String("blob"), SHA: blob.SHA},
		{Path: github.String("docs/new.md"), Mode: github.String("100644"), Type: github.String("blob"), Content: github.String("new\n")},
		{Path: github.String("feature.txt"), Mode: github.String("100644"), Type: github.String("blob")}, // sha null: delete
	}))
	commit := must[*github.Commit](t)(gh.Git.CreateCommit(c, "acme", "checkout", &github.Commit{
		Message: github.String("Add deploy config"), Tree: &github.Tree{SHA: tree.SHA}, Parents: []*github.Commit{{SHA: head.SHA}},
	}, nil))
	if commit.GetAuthor().GetName() != "alice" || len(commit.Parents) != 1 {
		t.Errorf("commit = %+v", commit)
	}
	if sha, _ := s.BranchHead("acme", "checkout", "feature"); sha != ref.GetObject().GetSHA() {
		t.Fatal("ref moved before UpdateRef")
	}
	ref.Object.SHA = commit.SHA
	moved := must[*github.Reference](t)(gh.Git.UpdateRef(c, "acme", "checkout", ref, false))
	if moved.GetObject().GetSHA() != commit.GetSHA() {
		t.Errorf("ref = %s", moved.GetObject().GetSHA())
	}
	files, _ := s.Files("acme", "checkout", "feature")
	if files["deploy/app.yaml"] != "service: checkout\n" || files["docs/new.md"] != "new\n" || files["docs/index.md"] != "hello\n" {
		t.Errorf("files = %v", files)
	}
	if _, ok := files["feature.txt"]; ok {
		t.Error("feature.txt should be deleted")
	}
	// Moving back is not a fast-forward.
	ref.Object.SHA = head.SHA
	_, _, err := gh.Git.UpdateRef(c, "acme", "checkout", ref, false)
	if er := errResp(t, err, 422); er.Message != "Update is not a fast forward" {
		t.Errorf("message = %q", er.Message)
	}
	// A new branch from the commit; a second time it exists.
	newRef := &github.Reference{Ref: github.String("refs/heads/release"), Object: &github.GitObject{SHA: commit.SHA}}
	must[*github.Reference](t)(gh.Git.CreateRef(c, "acme", "checkout", newRef))
	_, _, err = gh.Git.CreateRef(c, "acme", "checkout", newRef)
	if er := errResp(t, err, 422); er.Message != "Reference already exists" {
		t.Errorf("message = %q", er.Message)
	}
	refs := must[[]*github.Reference](t)(gh.Git.ListMatchingRefs(c, "acme", "checkout", &github.ReferenceListOptions{Ref: "heads/"}))
	if len(refs) != 3 {
		t.Errorf("refs = %d", len(refs))
	}
}

func TestProtectedBranchRefusesScopedPush(t *testing.T) {
	f := testFixture()
	f.Tokens = append(f.Tokens, Token{Token: "ghs_writer", Login: "bob", Permissions: map[string]string{"contents": "write"}})
	s := start(t, f)
	gh := s.Client("ghs_writer")
	c := ctx(t)
	head, _ := s.BranchHead("acme", "checkout", "main")
	commit := must[*github.Commit](t)(gh.Git.CreateCommit(c, "acme", "checkout", &github.Commit{
		Message: github.String("direct"), Tree: &github.Tree{SHA: github.String(emptyTreeSHAOf(t, s))}, Parents: []*github.Commit{{SHA: &head}},
	}, nil))
	_, _, err := gh.Git.UpdateRef(c, "acme", "checkout", &github.Reference{Ref: github.String("refs/heads/main"), Object: &github.GitObject{SHA: commit.SHA}}, false)
	if er := errResp(t, err, 422); er.Message != "Changes must be made through a pull request." {
		t.Errorf("message = %q", er.Message)
	}
	_, _, err = gh.Repositories.UpdateFile(c, "acme", "checkout", "README.md", &github.RepositoryContentFileOptions{
		Message: github.String("x"), Content: []byte("x"), SHA: github.String(BlobSHA("# checkout\n")),
	})
	errResp(t, err, 409)
}

// emptyTreeSHAOf returns the tree of the checkout's main head (any tree will do).
func emptyTreeSHAOf(t *testing.T, s *Server) string {
	commits, err := s.Commits("acme", "checkout", "main")
	if err != nil {
		t.Fatal(err)
	}
	return commits[0].Tree
}

func TestContentsReadAndWrite(t *testing.T) {
	s := start(t, testFixture())
	gh := s.Client(adminToken)
	c := ctx(t)
	fc, dir, _, err := gh.Repositories.GetContents(c, "acme", "checkout", "cmd/main.go", &github.RepositoryContentGetOptions{Ref: "main"})
	if err != nil || dir != nil {
		t.Fatal(err)
	}
	if got, _ := fc.GetContent(); got != "package main\n" || fc.GetSHA() != BlobSHA("package main\n") || fc.GetType() != "file" {
		t.Errorf("file = %+v", fc)
	}
	_, dir, _, err = gh.Repositories.GetContents(c, "acme", "checkout", "", nil)
	if err != nil || len(dir) != 5 {
		t.Fatalf("root listing: %d entries, %v", len(dir), err)
	}
	_, _, _, err = gh.Repositories.GetContents(c, "acme", "checkout", "missing.txt", nil)
	errResp(t, err, 404)

	opts := &github.RepositoryContentFileOptions{Message: github.String("add"), Content: []byte("v1\n"), Branch: github.String("feature")}
	created, resp, err := gh.Repositories.CreateFile(c, "acme", "checkout", "ops/runbook.md", opts)
	if err != nil || resp.StatusCode != 201 || created.GetContent().GetSHA() != BlobSHA("v1\n") {
		t.Fatalf("create: %v", err)
	}
	// Updating without the current sha, or with a stale one, fails like GitHub.
	opts.Content = []byte("v2\n")
	_, _, err = gh.Repositories.UpdateFile(c, "acme", "checkout", "ops/runbook.md", opts)
	errResp(t, err, 422)
	opts.SHA = github.String(BlobSHA("stale"))
	_, _, err = gh.Repositories.UpdateFile(c, "acme", "checkout", "ops/runbook.md", opts)
	errResp(t, err, 409)
	opts.SHA = github.String(BlobSHA("v1\n"))
	updated, resp, err := gh.Repositories.UpdateFile(c, "acme", "checkout", "ops/runbook.md", opts)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("update: %v", err)
	}
	if got, _ := s.File("acme", "checkout", "feature", "ops/runbook.md"); got != "v2\n" {
		t.Errorf("file = %q", got)
	}
	if head, _ := s.BranchHead("acme", "checkout", "feature"); head != updated.Commit.GetSHA() {
		t.Errorf("branch head %s, commit %s", head, updated.Commit.GetSHA())
	}
	_, _, err = gh.Repositories.DeleteFile(c, "acme", "checkout", "ops/runbook.md", &github.RepositoryContentFileOptions{
		Message: github.String("rm"), SHA: github.String(BlobSHA("v2\n")), Branch: github.String("feature")})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := s.File("acme", "checkout", "feature", "ops/runbook.md"); ok {
		t.Error("file still there")
	}
}

func TestCommitsAndBranches(t *testing.T) {
	s := start(t, testFixture())
	gh := s.Client(adminToken)
	c := ctx(t)
	commits := must[[]*github.RepositoryCommit](t)(gh.Repositories.ListCommits(c, "acme", "checkout", &github.CommitsListOptions{Path: "docs"}))
	if len(commits) != 1 || commits[0].GetCommit().GetMessage() != "Add docs" {
		t.Fatalf("commits touching docs = %v", commits)
	}
	one := must[*github.RepositoryCommit](t)(gh.Repositories.GetCommit(c, "acme", "checkout", commits[0].GetSHA(), nil))
	if len(one.Files) != 1 || one.Files[0].GetFilename() != "docs/index.md" || one.Files[0].GetStatus() != "added" {
		t.Errorf("files = %v", one.Files)
	}
	b := must[*github.Branch](t)(gh.Repositories.GetBranch(c, "acme", "checkout", "main", 0))
	if !b.GetProtected() || b.GetCommit().GetSHA() != commits[0].GetSHA() {
		t.Errorf("branch = %+v", b)
	}
	// go-github's GetBranch reports a non-200 as a plain error.
	if _, resp, err := gh.Repositories.GetBranch(c, "acme", "checkout", "nope", 0); err == nil || resp.StatusCode != 404 {
		t.Errorf("missing branch: %v", err)
	}
	list := must[[]*github.Branch](t)(gh.Repositories.ListBranches(c, "acme", "checkout", nil))
	if len(list) != 2 {
		t.Errorf("branches = %d", len(list))
	}
	// A push through the Go API moves the branch and shows in the API.
	sha, err := s.PushFiles("acme", "checkout", "main", map[string]string{"CHANGELOG.md": "v1\n"}, []string{"docs"})
	if err != nil {
		t.Fatal(err)
	}
	b = must[*github.Branch](t)(gh.Repositories.GetBranch(c, "acme", "checkout", "main", 0))
	if b.GetCommit().GetSHA() != sha {
		t.Errorf("head = %s, pushed %s", b.GetCommit().GetSHA(), sha)
	}
	if _, ok := s.File("acme", "checkout", "main", "docs/index.md"); ok {
		t.Error("deleted directory still there")
	}
}

func TestTreeTruncatedOverByteLimit(t *testing.T) {
	f := testFixture()
	f.Limits.TreeBytes = 600
	s := start(t, f)
	tree := must[*github.Tree](t)(s.Client(adminToken).Git.GetTree(ctx(t), "acme", "checkout", "main", true))
	if !tree.GetTruncated() || len(tree.Entries) == 0 || len(tree.Entries) >= 8 {
		t.Errorf("truncated=%v entries=%d", tree.GetTruncated(), len(tree.Entries))
	}
}
