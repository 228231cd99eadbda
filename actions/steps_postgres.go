package actions

import (
	"context"
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/gantryhq/gantry/internal/errkind"
)

// PostgresSteps returns postgres.createDatabase, which creates databases
// on the server whose URL serverURL returns (read at each run; the URL
// names a role allowed to create roles and databases, e.g. a superuser or
// one WITH CREATEROLE CREATEDB).
//
// The generated password never leaves the step except in the direct
// message to the requester: the role is created with a SCRAM-SHA-256
// verifier computed here (so the clear password is not even in the SQL
// that the server may log), and the password is stored nowhere. Running
// the step again reuses the role and database it created (recognised by a
// comment naming the run); if the credentials had not been delivered yet,
// it sets a new password and delivers that.
func PostgresSteps(serverURL func() string) map[string]StepRunner {
	return map[string]StepRunner{UsesCreateDatabase: &createDatabaseStep{serverURL: serverURL}}
}

type createDatabaseStep struct {
	serverURL func() string
}

var pgNameRe = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,62}$`)

func pgName(w With, field, def string) (string, error) {
	s, err := w.String(field, def == "")
	if err != nil {
		return "", err
	}
	s = orDefault(s, def)
	if !pgNameRe.MatchString(s) {
		return "", &FieldError{Field: field, Message: fmt.Sprintf("%q is not a usable PostgreSQL name: use up to 63 lowercase letters, digits and _, starting with a letter", s)}
	}
	return s, nil
}

// marker is the comment that says a role or database is this step's.
func marker(sc *StepContext) string {
	return "created by gantry run " + sc.RunID + " step " + sc.StepID
}

func (s *createDatabaseStep) connect(ctx context.Context) (*pgx.Conn, *pgx.ConnConfig, error) {
	raw := ""
	if s.serverURL != nil {
		raw = strings.TrimSpace(s.serverURL())
	}
	if raw == "" {
		return nil, nil, errkind.New(errkind.Unavailable, "no PostgreSQL server is configured for actions: %s", configHint(UsesCreateDatabase))
	}
	cfg, err := pgx.ParseConfig(raw)
	if err != nil {
		return nil, nil, errkind.New(errkind.Invalid, "the PostgreSQL server URL for actions is not understood: %v", err)
	}
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = 10 * time.Second
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		if ctx.Err() != nil {
			return nil, nil, ctx.Err()
		}
		return nil, nil, errkind.New(errkind.Unavailable, "PostgreSQL at %s does not answer (%s); retry once it is back", hostPort(cfg), shortPgError(err))
	}
	return conn, cfg, nil
}

func hostPort(cfg *pgx.ConnConfig) string {
	return net.JoinHostPort(cfg.Host, strconv.Itoa(int(cfg.Port)))
}

// shortPgError keeps the cause of a connection failure, without the
// connection string pgx may repeat.
func shortPgError(err error) string {
	msg := err.Error()
	if i := strings.LastIndex(msg, ": "); i >= 0 {
		msg = msg[i+2:]
	}
	return msg
}

func (s *createDatabaseStep) Run(ctx context.Context, sc *StepContext) (map[string]any, error) {
	db, err := pgName(sc.With, "name", "")
	if err != nil {
		return nil, err
	}
	role, err := pgName(sc.With, "owner", db)
	if err != nil {
		return nil, err
	}
	conn, cfg, err := s.connect(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	mark := marker(sc)
	ident := func(n string) string { return pgx.Identifier{n}.Sanitize() }
	literal := func(v string) string { return "'" + strings.ReplaceAll(v, "'", "''") + "'" }

	// The role: create it, or recognise the one an earlier attempt made.
	roleNote, roleExists, err := describe(ctx, conn, "SELECT shobj_description(oid, 'pg_authid') FROM pg_roles WHERE rolname = $1", role)
	if err != nil {
		return nil, s.explain(cfg, "reading roles", err)
	}
	if roleExists && roleNote != mark {
		return nil, &FieldError{Field: fieldFor(sc, "owner", "name"), Message: fmt.Sprintf("A role named %s already exists on the PostgreSQL server, and Gantry did not create it for this run. Choose another name.", role)}
	}
	password := ""
	delivered, _ := sc.Memo["delivered"].(bool)
	if !roleExists || !delivered {
		password, err = newPassword()
		if err != nil {
			return nil, err
		}
		sc.Redact(password)
		verifier, err := scramVerifier(password)
		if err != nil {
			return nil, err
		}
		stmt := "ALTER ROLE " + ident(role) + " WITH LOGIN PASSWORD " + literal(verifier)
		if !roleExists {
			stmt = "CREATE ROLE " + ident(role) + " WITH LOGIN PASSWORD " + literal(verifier)
		}
		tx, err := conn.Begin(ctx)
		if err != nil {
			return nil, s.explain(cfg, "creating role "+role, err)
		}
		_, err = tx.Exec(ctx, stmt)
		if err == nil {
			_, err = tx.Exec(ctx, "COMMENT ON ROLE "+ident(role)+" IS "+literal(mark))
		}
		if err == nil {
			err = tx.Commit(ctx)
		}
		if err != nil {
			_ = tx.Rollback(context.WithoutCancel(ctx))
			return nil, s.explain(cfg, "creating role "+role, err)
		}
	}

	// The database: CREATE DATABASE cannot share a transaction with its
	// comment, so the attempt is recorded first; a database owned by our
	// role after a recorded attempt is ours.
	dbNote, dbExists, err := describe(ctx, conn, "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = $1", db)
	if err != nil {
		return nil, s.explain(cfg, "reading databases", err)
	}
	if dbExists && dbNote != mark {
		var owner string
		if err := conn.QueryRow(ctx, "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = $1", db).Scan(&owner); err != nil {
			return nil, s.explain(cfg, "reading database "+db, err)
		}
		attempted, _ := sc.Memo["creatingDatabase"].(bool)
		if !attempted || owner != role {
			return nil, &FieldError{Field: "name", Message: fmt.Sprintf("A database named %s already exists on the PostgreSQL server, and Gantry did not create it for this run. Choose another name.", db)}
		}
	}
	if !dbExists {
		memo := copyMemo(sc.Memo)
		memo["creatingDatabase"] = true
		if err := sc.SaveMemo(ctx, memo); err != nil {
			return nil, err
		}
		if _, err := conn.Exec(ctx, "CREATE DATABASE "+ident(db)+" OWNER "+ident(role)); err != nil {
			return nil, s.explain(cfg, "creating database "+db, err)
		}
	}
	if dbNote != mark {
		if _, err := conn.Exec(ctx, "COMMENT ON DATABASE "+ident(db)+" IS "+literal(mark)); err != nil {
			return nil, s.explain(cfg, "marking database "+db, err)
		}
		if _, err := conn.Exec(ctx, "REVOKE ALL ON DATABASE "+ident(db)+" FROM PUBLIC"); err != nil {
			return nil, s.explain(cfg, "restricting database "+db, err)
		}
	}

	connURL := (&url.URL{Scheme: "postgres", User: url.User(role), Host: hostPort(cfg), Path: "/" + db}).String()
	if password != "" {
		withPassword := (&url.URL{Scheme: "postgres", User: url.UserPassword(role, password), Host: hostPort(cfg), Path: "/" + db}).String()
		sc.Redact(withPassword)
		err := sc.DeliverSecret(ctx, Secret{
			Title: "Credentials for PostgreSQL database " + db,
			Fields: []SecretField{{Label: "Host", Value: hostPort(cfg)}, {Label: "Database", Value: db}, {Label: "User", Value: role},
				{Label: "Password", Value: password, Sensitive: true}, {Label: "URL", Value: withPassword, Sensitive: true}},
			Note: "Only you can see this message, and Gantry keeps no copy of the password: store it in your secret manager now.",
		})
		if err != nil {
			return nil, err
		}
		memo := copyMemo(sc.Memo)
		memo["delivered"] = true
		if err := sc.SaveMemo(ctx, memo); err != nil {
			return nil, err
		}
	}
	return map[string]any{"database": db, "role": role, "host": cfg.Host, "port": int(cfg.Port), "url": connURL}, nil
}

// fieldFor names the with field a role clash is about: owner when set.
func fieldFor(sc *StepContext, field, def string) string {
	if s, _ := sc.With.String(field, false); s != "" {
		return field
	}
	return def
}

func copyMemo(m map[string]any) map[string]any {
	out := make(map[string]any, len(m)+1)
	for k, v := range m {
		out[k] = v
	}
	return out
}

// describe reads an object's comment; exists is false when the query finds
// no row.
func describe(ctx context.Context, conn *pgx.Conn, q, name string) (comment string, exists bool, err error) {
	var c *string
	err = conn.QueryRow(ctx, q, name).Scan(&c)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	if c != nil {
		comment = *c
	}
	return comment, true, nil
}

func (s *createDatabaseStep) explain(cfg *pgx.ConnConfig, what string, err error) error {
	if errors.Is(err, context.Canceled) {
		return err
	}
	var ne net.Error
	if errors.As(err, &ne) || strings.Contains(err.Error(), "conn closed") {
		return errkind.New(errkind.Unavailable, "%s on PostgreSQL at %s: the server went away (%s); retry once it is back", what, hostPort(cfg), shortPgError(err))
	}
	return fmt.Errorf("%s on PostgreSQL at %s: %w", what, hostPort(cfg), err)
}

// newPassword returns 32 random URL-safe characters.
func newPassword() (string, error) {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// scramVerifier computes PostgreSQL's SCRAM-SHA-256 verifier of password
// (RFC 5802, RFC 7677), which PostgreSQL stores as given.
func scramVerifier(password string) (string, error) {
	const iterations = 4096
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	salted, err := pbkdf2.Key(sha256.New, password, salt, iterations, sha256.Size)
	if err != nil {
		return "", err
	}
	mac := func(key []byte, msg string) []byte {
		h := hmac.New(sha256.New, key)
		h.Write([]byte(msg))
		return h.Sum(nil)
	}
	clientKey := mac(salted, "Client Key")
	stored := sha256.Sum256(clientKey)
	serverKey := mac(salted, "Server Key")
	enc := base64.StdEncoding.EncodeToString
	return fmt.Sprintf("SCRAM-SHA-256$%d:%s$%s:%s", iterations, enc(salt), enc(stored[:]), enc(serverKey)), nil
}
