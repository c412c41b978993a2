import type Database from 'better-sqlite3';
import { GtError } from '../errors.js';

/**
 * The ledger schema, one step per version. `PRAGMA user_version` holds how many steps a file has.
 * Append only: a released step is never edited, a change is a new step.
 */
export const MIGRATIONS: readonly string[] = [
  // 1: beads (design section 6). Mail and agent details live in `fields` (JSON).
  `
  CREATE TABLE beads (
    id          TEXT PRIMARY KEY,
    type        TEXT NOT NULL CHECK (type IN ('task', 'agent', 'message', 'rig')),
    title       TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    status      TEXT NOT NULL CHECK (status IN ('open', 'hooked', 'in_progress', 'closed')),
    priority    INTEGER NOT NULL DEFAULT 2,
    assignee    TEXT,
    labels      TEXT NOT NULL DEFAULT '[]',
    fields      TEXT NOT NULL DEFAULT '{}',
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    closed_at   TEXT
  ) STRICT;
  CREATE INDEX beads_type_status ON beads (type, status);
  CREATE INDEX beads_assignee ON beads (assignee, type, status);
  -- One work bead can be on one agent's hook only: the database itself refuses a second holder,
  -- whatever the code above it does.
  CREATE UNIQUE INDEX beads_agent_hook ON beads (json_extract(fields, '$.hook_bead'))
    WHERE type = 'agent' AND json_extract(fields, '$.hook_bead') IS NOT NULL;
  `,
  // 2: the daemon's outbox (ledger/outbox.ts): a notification's dedup slot, written in the same
  // transaction as its mail, so a crash can neither send it twice nor lose it.
  `
  CREATE TABLE notify_slots (
    key       TEXT PRIMARY KEY,
    recipient TEXT NOT NULL,
    kind      TEXT NOT NULL,
    agent     TEXT NOT NULL,
    condition TEXT NOT NULL,
    at        REAL NOT NULL,
    mail_id   TEXT NOT NULL
  ) STRICT;
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

function userVersion(db: Database.Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/**
 * Bring the schema up to date. Cheap when current (one pragma read). Otherwise one
 * BEGIN IMMEDIATE transaction re-reads the version and applies the missing steps, so when many
 * processes open a fresh ledger at once exactly one migrates and the rest see the result.
 */
export function migrate(db: Database.Database): void {
  const check = (v: number) => {
    if (v > SCHEMA_VERSION) {
      throw new GtError('IO', `.beads/beads.db has schema version ${v}, newer than this gt understands (${SCHEMA_VERSION})`, {
        hint: 'upgrade gt',
      });
    }
  };
  const before = userVersion(db);
  check(before);
  if (before === SCHEMA_VERSION) return;
  db.transaction(() => {
    const v = userVersion(db);
    check(v);
    for (let i = v; i < SCHEMA_VERSION; i++) db.exec(MIGRATIONS[i]!);
    // user_version lives in the file header and is part of this transaction.
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  }).immediate();
}
