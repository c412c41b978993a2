import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { describeIssues } from '../config/load.js';
import type { Bead, Ledger } from '../ledger/index.js';

/**
 * The merge queue lives in the ledger, like everything else agents coordinate through: one bead
 * per entry, type `task`, label `mq`, id `<rig prefix>-<random>`, assignee `<rig>/refinery`,
 * fields {rig, branch, polecat, source_bead, status, ...}. Queue order is creation order.
 * The bead is open while queued and closed once the refinery has dealt with it (merged,
 * conflict or failed), so `gt bead list` shows only what is still waiting.
 */

export const MQ_LABEL = 'mq';
export const MQ_STATUSES = ['queued', 'merged', 'conflict', 'failed'] as const;
export type MqStatus = (typeof MQ_STATUSES)[number];

export const mqFieldsSchema = z
  .object({
    rig: z.string().min(1),
    branch: z.string().min(1),
    polecat: z.string().min(1),
    source_bead: z.string().min(1),
    status: z.enum(MQ_STATUSES),
    merged_commit: z.string().nullable().optional(),
    conflict_files: z.array(z.string()).optional(),
    error: z.string().optional(),
  })
  .loose();

export interface MqEntry {
  id: string;
  rig: string;
  branch: string;
  polecat: string;
  source_bead: string;
  status: MqStatus;
  merged_commit: string | null;
  conflict_files: string[];
  error: string | null;
  created_at: string;
  updated_at: string;
}

export function isMqBead(b: Bead): boolean {
  return b.type === 'task' && b.labels.includes(MQ_LABEL);
}

export function toMqEntry(b: Bead): MqEntry {
  const r = mqFieldsSchema.safeParse(b.fields);
  if (!r.success) {
    const { key, problem } = describeIssues(r.error);
    throw new ConfigError('.beads/beads.db', `bead ${b.id}.fields${key ? `.${key}` : ''}`, `${problem} (a merge queue entry)`);
  }
  const f = r.data;
  return {
    id: b.id,
    rig: f.rig,
    branch: f.branch,
    polecat: f.polecat,
    source_bead: f.source_bead,
    status: f.status,
    merged_commit: f.merged_commit ?? null,
    conflict_files: f.conflict_files ?? [],
    error: f.error ?? null,
    created_at: b.created_at,
    updated_at: b.updated_at,
  };
}

/** Queue entries, oldest first; `prefix` narrows to one rig's beads (an index-friendly filter). */
export function queueEntries(l: Ledger, filter: { rig?: string; prefix?: string; status?: MqStatus } = {}): MqEntry[] {
  return l
    .listBeads({ type: 'task', ...(filter.prefix ? { prefix: filter.prefix } : {}) })
    .filter(isMqBead)
    .map(toMqEntry)
    .filter((e) => (filter.rig === undefined || e.rig === filter.rig) && (filter.status === undefined || e.status === filter.status));
}
