import { z } from 'zod';
import { nameSchema } from './schema-helpers.js';

/** mayor/town.json */
export const townFileSchema = z
  .object({
    name: nameSchema,
    version: z.literal(1),
    created_at: z.iso.datetime({ offset: true }),
  })
  .strict();
export type TownFile = z.output<typeof townFileSchema>;

export const RIG_STATES = ['active', 'parked', 'docked'] as const;

export const rigEntrySchema = z
  .object({
    git_url: z.string().min(1),
    prefix: z.string().regex(/^[a-z][a-z0-9]{0,9}$/, 'expected 1-10 lowercase letters or digits, starting with a letter'),
    added_at: z.iso.datetime({ offset: true }),
    state: z.enum(RIG_STATES).optional(),
    agent: nameSchema.optional(),
  })
  .strict();

/** mayor/rigs.json */
export const rigsFileSchema = z
  .object({
    version: z.literal(1),
    rigs: z.record(nameSchema, rigEntrySchema),
  })
  .strict();
export type RigsFile = z.output<typeof rigsFileSchema>;
export type RigEntry = z.output<typeof rigEntrySchema>;
