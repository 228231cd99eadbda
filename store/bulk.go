package store

import (
	"context"
	"strings"

	"github.com/jmoiron/sqlx"
)

// bulkRows is how many rows one multi-row INSERT carries: 100 rows of up
// to 8 columns stay far below both engines' limits on bound parameters,
// and already make the per-statement cost (a cgo call on SQLite, a round
// trip on PostgreSQL) negligible.
const bulkRows = 100

// bulkInsert collects rows for one table and writes them bulkRows at a
// time with a statement prepared once.
type bulkInsert struct {
	tx      *sqlx.Tx
	table   string
	columns []string
	rows    []any // flattened: len(columns) values per row
	full    *sqlx.Stmt
}

func newBulkInsert(tx *sqlx.Tx, table string, columns ...string) *bulkInsert {
	return &bulkInsert{tx: tx, table: table, columns: columns}
}

// add queues one row; its values must match the columns.
func (b *bulkInsert) add(ctx context.Context, values ...any) error {
	b.rows = append(b.rows, noNULArgs(values)...)
	if len(b.rows) < bulkRows*len(b.columns) {
		return nil
	}
	return b.flush(ctx)
}

// flush writes every queued row.
func (b *bulkInsert) flush(ctx context.Context) error {
	width := len(b.columns)
	for len(b.rows) > 0 {
		n := min(len(b.rows)/width, bulkRows)
		var err error
		if n == bulkRows {
			if b.full == nil {
				if b.full, err = b.tx.PreparexContext(ctx, b.statement(bulkRows)); err != nil {
					return err
				}
			}
			_, err = b.full.ExecContext(ctx, b.rows[:n*width]...)
		} else {
			_, err = b.tx.ExecContext(ctx, b.statement(n), b.rows[:n*width]...)
		}
		if err != nil {
			return err
		}
		b.rows = b.rows[n*width:]
	}
	b.rows = b.rows[:0]
	return nil
}

// statement is the INSERT of n rows.
func (b *bulkInsert) statement(n int) string {
	row := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(b.columns)), ", ") + ")"
	var q strings.Builder
	q.WriteString("INSERT INTO " + b.table + " (" + strings.Join(b.columns, ", ") + ") VALUES ")
	for i := range n {
		if i > 0 {
			q.WriteString(", ")
		}
		q.WriteString(row)
	}
	return b.tx.Rebind(q.String())
}

func (b *bulkInsert) close() {
	if b.full != nil {
		b.full.Close()
	}
}
