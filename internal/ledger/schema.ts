import { z } from 'zod';
import { PREFIX_HINT, PREFIX_RE } from '../names.js';
import { ConfigError, InvalidInputError } from '../errors.js';
import { describeIssues } from '../config/load.js';

/** Shapes of everything that goes into or comes out of the ledger (design section 6). */

export const BEAD_TYPES = ['task', 'agent', 'message', 'rig'] as const;
export const BEAD_STATUSES = ['open', 'hooked', 'in_progress', 'closed'] as const;
export const AGENT_STATES = ['spawning', 'working', 'idle', 'done', 'stuck', 'dead', 'nuked'] as const;
export type BeadType = (typeof BEAD_TYPES)[number];
export type BeadStatus = (typeof BEAD_STATUSES)[number];
export type AgentState = (typeof AGENT_STATES)[number];

export const LIMITS = { title: 200, description: 100_000, label: 64, labels: 32, assignee: 200, id: 128 } as const;
export const PRIORITY = { min: 0, max: 4, default: 2 } as const;

export const BEAD_ID_RE = /^[a-z][a-z0-9]*-[a-zA-Z0-9_-]+$/;

export const beadIdSchema = z.string().max(LIMITS.id).regex(BEAD_ID_RE, 'expected a bead id like "gt-a1b2c"');
export const prefixSchema = z.string().regex(PREFIX_RE, PREFIX_HINT);
export const titleSchema = z.string().trim().min(1, 'must not be empty').max(LIMITS.title, `at most ${LIMITS.title} characters`);
export const descriptionSchema = z.string().max(LIMITS.description, `at most ${LIMITS.description} characters`);
export const prioritySchema = z.number().int().min(PRIORITY.min).max(PRIORITY.max);
export const labelsSchema = z.array(z.string().min(1).max(LIMITS.label)).max(LIMITS.labels);
export const assigneeSchema = z.string().trim().min(1).max(LIMITS.assignee);
const isoTime = z.iso.datetime({ offset: true });

/** A row exactly as SQLite returns it; labels and fields are JSON text. */
export const beadRowSchema = z.object({
  id: z.string().min(1),
  type: z.enum(BEAD_TYPES),
  title: z.string(),
  description: z.string(),
  status: z.enum(BEAD_STATUSES),
  priority: z.number().int(),
  assignee: z.string().nullable(),
  labels: z.string(),
  fields: z.string(),
  created_at: isoTime,
  updated_at: isoTime,
  closed_at: isoTime.nullable(),
});
export type BeadRow = z.output<typeof beadRowSchema>;

export interface Bead {
  id: string;
  type: BeadType;
  title: string;
  description: string;
  status: BeadStatus;
  priority: number;
  assignee: string | null;
  labels: string[];
  fields: Record<string, unknown>;
  created_at: string;
  updated_at: string;
  closed_at: string | null;
}

export const agentFieldsSchema = z
  .object({
    agent_state: z.enum(AGENT_STATES),
    hook_bead: z.string().nullable(),
    role: z.enum(['mayor', 'deacon', 'boot', 'witness', 'refinery', 'polecat', 'crew']),
    rig: z.string().nullable(),
    name: z.string().nullable().optional(),
    session: z.string().nullable(),
  })
  .loose();
export type AgentFields = z.output<typeof agentFieldsSchema>;

export const messageFieldsSchema = z
  .object({
    from: z.string().min(1),
    to: z.string().min(1),
    read: z.boolean(),
    read_at: isoTime.nullable().optional(),
  })
  .loose();
export type MessageFields = z.output<typeof messageFieldsSchema>;

const LEDGER_LABEL = '.beads/beads.db';

/** Validate a row read from SQLite; a bad row is a ConfigError naming the bead and the field. */
export function parseRow(raw: unknown): Bead {
  const r = beadRowSchema.safeParse(raw);
  const id = (raw as { id?: unknown } | undefined)?.id;
  const where = typeof id === 'string' ? `bead ${id}` : 'bead';
  if (!r.success) {
    const { key, problem } = describeIssues(r.error);
    throw new ConfigError(LEDGER_LABEL, key ? `${where}.${key}` : where, problem);
  }
  const row = r.data;
  const labels = parseJsonColumn(row.labels, `${where}.labels`, z.array(z.string()));
  const fields = parseJsonColumn(row.fields, `${where}.fields`, z.record(z.string(), z.unknown()));
  return { ...row, labels, fields };
}

function parseJsonColumn<S extends z.ZodType>(text: string, key: string, schema: S): z.output<S> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ConfigError(LEDGER_LABEL, key, 'not valid JSON');
  }
  const r = schema.safeParse(value);
  if (!r.success) throw new ConfigError(LEDGER_LABEL, key, describeIssues(r.error).problem);
  return r.data;
}

/** Validate a bead's typed fields (agent, message); errors name the bead. */
export function parseFields<S extends z.ZodType>(bead: Bead, schema: S): z.output<S> {
  const r = schema.safeParse(bead.fields);
  if (!r.success) {
    const { key, problem } = describeIssues(r.error);
    throw new ConfigError(LEDGER_LABEL, `bead ${bead.id}.fields${key ? `.${key}` : ''}`, problem);
  }
  return r.data;
}

/** Validate caller input; the first problem becomes one INVALID_INPUT line naming the field. */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const r = schema.safeParse(value);
  if (!r.success) {
    const { key, problem } = describeIssues(r.error);
    throw new InvalidInputError(`${what}: ${key ? `${key}: ` : ''}${problem}`);
  }
  return r.data;
}
