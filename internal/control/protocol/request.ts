import { z } from 'zod';

/** A request as the server accepts it (zod: the daemon's input boundary; never on the CLI's path). */
export const requestSchema = z.object({
  jsonrpc: z.literal('2.0'),
  id: z.union([z.string().max(100), z.number().int()]),
  method: z.string().min(1).max(100),
  params: z.unknown().optional(),
});
export type RpcRequest = z.output<typeof requestSchema>;
