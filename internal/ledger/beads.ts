import { z } from 'zod';
import { GtError, InvalidInputError } from '../errors.js';
import { workBeadId } from './ids.js';
import { Store } from './store.js';
import {
  BEAD_STATUSES,
  BEAD_TYPES,
  PRIORITY,
  assigneeSchema,
  beadIdSchema,
  descriptionSchema,
  labelsSchema,
  parseInput,
  prefixSchema,
  prioritySchema,
  titleSchema,
  type Bead,
  type BeadStatus,
  type BeadType,
} from './schema.js';

/** Work items (and rig beads): create, read, list, update, close. */

export const createBeadSchema = z
  .object({
    prefix: prefixSchema,
    type: z.enum(['task', 'rig']).default('task'),
    /** Only for beads with a well-known id (rig beads); work beads get a random one. */
    id: beadIdSchema.optional(),
    title: titleSchema,
    description: descriptionSchema.default(''),
    priority: prioritySchema.default(PRIORITY.default),
    assignee: assigneeSchema.nullable().default(null),
    labels: labelsSchema.default([]),
    fields: z.record(z.string(), z.unknown()).default({}),
  })
  .strict();
export type CreateBeadInput = z.input<typeof createBeadSchema>;

const MAX_ID_ATTEMPTS = 12;

export function createBead(store: Store, input: CreateBeadInput): Bead {
  const v = parseInput(createBeadSchema, input, 'bead');
  if (v.id !== undefined && !v.id.startsWith(`${v.prefix}-`)) {
    throw new InvalidInputError(`bead id ${JSON.stringify(v.id)} does not start with its prefix "${v.prefix}-"`);
  }
  return store.write(() => {
    const now = store.now();
    for (let attempt = 0; attempt < MAX_ID_ATTEMPTS; attempt++) {
      const bead: Bead = {
        id: v.id ?? workBeadId(v.prefix, attempt),
        type: v.type,
        title: v.title,
        description: v.description,
        status: 'open',
        priority: v.priority,
        assignee: v.assignee,
        labels: v.labels,
        fields: v.fields,
        created_at: now,
        updated_at: now,
        closed_at: null,
      };
      if (store.tryInsert(bead)) return bead;
      if (v.id !== undefined) throw new GtError('CONFLICT', `bead ${v.id} already exists`);
    }
    throw new GtError('CONFLICT', `could not find a free bead id with prefix "${v.prefix}" after ${MAX_ID_ATTEMPTS} tries`);
  });
}

export function getBead(store: Store, id: string): Bead | undefined {
  return store.read(() => store.getRow(id));
}

export const listFilterSchema = z
  .object({
    type: z.union([z.enum(BEAD_TYPES), z.array(z.enum(BEAD_TYPES))]).optional(),
    status: z.union([z.enum(BEAD_STATUSES), z.array(z.enum(BEAD_STATUSES))]).optional(),
    assignee: z.string().optional(),
    /** Beads whose id starts with `<prefix>-` (a rig's beads). */
    prefix: prefixSchema.optional(),
    limit: z.number().int().positive().optional(),
  })
  .strict();
export type ListFilter = z.input<typeof listFilterSchema>;

export function listBeads(store: Store, filter: ListFilter = {}): Bead[] {
  const f = parseInput(listFilterSchema, filter, 'bead filter');
  const where: string[] = [];
  const params: unknown[] = [];
  const oneOf = (col: string, v: string | string[] | undefined) => {
    if (v === undefined) return;
    const vs = Array.isArray(v) ? v : [v];
    if (vs.length === 0) return;
    where.push(`${col} IN (${vs.map(() => '?').join(', ')})`);
    params.push(...vs);
  };
  oneOf('type', f.type);
  oneOf('status', f.status);
  if (f.assignee !== undefined) {
    where.push('assignee = ?');
    params.push(f.assignee);
  }
  if (f.prefix !== undefined) {
    // substr, not LIKE: "_" in LIKE is a wildcard and prefixes are compared exactly.
    where.push('substr(id, 1, ?) = ?');
    params.push(f.prefix.length + 1, `${f.prefix}-`);
  }
  const sql = `SELECT * FROM beads${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at, rowid${f.limit ? ` LIMIT ${f.limit}` : ''}`;
  return store.read(() => store.all(sql, params));
}

export const updateBeadSchema = z
  .object({
    title: titleSchema.optional(),
    description: descriptionSchema.optional(),
    status: z.enum(BEAD_STATUSES).optional(),
    priority: prioritySchema.optional(),
    assignee: assigneeSchema.nullable().optional(),
    labels: labelsSchema.optional(),
    /** Merged into the existing fields; a key set to null is removed. */
    fields: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();
export type UpdateBeadInput = z.input<typeof updateBeadSchema>;

export function applyUpdate(b: Bead, patch: z.output<typeof updateBeadSchema>, now: string): Bead {
  const next: Bead = { ...b, fields: { ...b.fields }, updated_at: now };
  if (patch.title !== undefined) next.title = patch.title;
  if (patch.description !== undefined) next.description = patch.description;
  if (patch.priority !== undefined) next.priority = patch.priority;
  if (patch.assignee !== undefined) next.assignee = patch.assignee;
  if (patch.labels !== undefined) next.labels = patch.labels;
  if (patch.status !== undefined) setStatus(next, patch.status, now);
  for (const [k, v] of Object.entries(patch.fields ?? {})) {
    if (v === null) delete next.fields[k];
    else next.fields[k] = v;
  }
  return next;
}

function setStatus(b: Bead, status: BeadStatus, now: string): void {
  if (status === 'closed' && b.status !== 'closed') b.closed_at = now;
  if (status !== 'closed') b.closed_at = null;
  b.status = status;
}

/** Update a work or rig bead. Agent and message beads have their own operations. */
export function updateBead(store: Store, id: string, patch: UpdateBeadInput): Bead {
  const p = parseInput(updateBeadSchema, patch, 'bead update');
  return store.write(() => {
    const b = store.mustGet(id);
    refuseKinds(b, ['agent', 'message'], 'update');
    const next = applyUpdate(b, p, store.now());
    store.save(next);
    return next;
  });
}

/** Close a work or rig bead. Closing a closed bead changes nothing and returns it. */
export function closeBead(store: Store, id: string, reason?: string): Bead {
  return store.write(() => {
    const b = store.mustGet(id);
    refuseKinds(b, ['agent', 'message'], 'close');
    if (b.status === 'closed') return b;
    const now = store.now();
    const next: Bead = { ...b, status: 'closed', closed_at: now, updated_at: now };
    if (reason) next.fields = { ...b.fields, close_reason: reason };
    store.save(next);
    return next;
  });
}

export function refuseKinds(b: Bead, kinds: BeadType[], verb: string): void {
  if (kinds.includes(b.type)) {
    const how = b.type === 'message' ? "use 'gt mail'" : "agent beads are managed by gt itself (sling, done, the daemon)";
    throw new InvalidInputError(`cannot ${verb} ${b.id}: it is a ${b.type} bead`, how);
  }
}
