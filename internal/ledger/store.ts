import { GtError, errnoCode } from '../errors.js';
import { isSqliteError, ledgerError, withBusyRetry, type Db } from './db.js';
import { parseRow, type Bead } from './schema.js';

/**
 * The thin layer every ledger operation goes through: transactions (BEGIN IMMEDIATE for writes,
 * retried as a whole on BUSY), row validation, and the clock.
 */
export class Store {
  constructor(
    readonly db: Db,
    readonly file: string,
    private readonly clock: () => Date,
    private readonly retries: number,
  ) {}

  now(): string {
    return this.clock().toISOString();
  }

  /**
   * A write transaction. BEGIN IMMEDIATE takes the write lock up front (waiting up to the busy
   * timeout), so a writer never fails half-way with "database is locked". Nested calls join the
   * outer transaction, which already holds the lock, so one command can be one transaction.
   */
  write<T>(fn: () => T): T {
    if (this.db.inTransaction) return fn();
    try {
      return withBusyRetry(() => this.db.transaction(fn).immediate(), this.retries);
    } catch (e) {
      // SQLite failures become one clear line; anything else (a GtError, a caller's own error) passes through.
      throw isSqliteError(e) ? ledgerError(e, this.file) : e;
    }
  }

  /** A read transaction: one consistent snapshot (WAL readers never wait for writers). */
  read<T>(fn: () => T): T {
    if (this.db.inTransaction) return fn();
    try {
      return withBusyRetry(() => this.db.transaction(fn).deferred(), this.retries);
    } catch (e) {
      // SQLite failures become one clear line; anything else (a GtError, a caller's own error) passes through.
      throw isSqliteError(e) ? ledgerError(e, this.file) : e;
    }
  }

  getRow(id: string): Bead | undefined {
    const raw = this.db.prepare('SELECT * FROM beads WHERE id = ?').get(id);
    return raw === undefined ? undefined : parseRow(raw);
  }

  mustGet(id: string, what = 'bead'): Bead {
    const b = this.getRow(id);
    if (!b) throw notFound(id, what);
    return b;
  }

  all(sql: string, params: unknown[]): Bead[] {
    return this.db.prepare(sql).all(...params).map(parseRow);
  }

  /** Insert a bead; returns false when the id is already taken (the caller picks another). */
  tryInsert(b: Bead): boolean {
    try {
      this.db
        .prepare(
          `INSERT INTO beads (id, type, title, description, status, priority, assignee, labels, fields, created_at, updated_at, closed_at)
           VALUES (@id, @type, @title, @description, @status, @priority, @assignee, @labels, @fields, @created_at, @updated_at, @closed_at)`,
        )
        .run({ ...b, labels: JSON.stringify(b.labels), fields: JSON.stringify(b.fields) });
      return true;
    } catch (e) {
      if (errnoCode(e) === 'SQLITE_CONSTRAINT_PRIMARYKEY') return false;
      throw e;
    }
  }

  /** Rewrite every mutable column of a bead (read-modify-write inside one write transaction). */
  save(b: Bead): void {
    this.db
      .prepare(
        `UPDATE beads SET title = @title, description = @description, status = @status, priority = @priority,
           assignee = @assignee, labels = @labels, fields = @fields, updated_at = @updated_at, closed_at = @closed_at
         WHERE id = @id`,
      )
      .run({
        id: b.id,
        title: b.title,
        description: b.description,
        status: b.status,
        priority: b.priority,
        assignee: b.assignee,
        labels: JSON.stringify(b.labels),
        fields: JSON.stringify(b.fields),
        updated_at: b.updated_at,
        closed_at: b.closed_at,
      });
  }
}

export function notFound(id: string, what = 'bead'): GtError {
  return new GtError('NOT_FOUND', `no ${what} ${JSON.stringify(id)} in the ledger`);
}
