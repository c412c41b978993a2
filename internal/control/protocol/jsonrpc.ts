import { z } from 'zod';

/** JSON-RPC 2.0 envelopes, one JSON object per line over the control socket. */

export const requestSchema = z.object({
  jsonrpc: z.literal('2.0'),
  id: z.union([z.string().max(100), z.number().int()]),
  method: z.string().min(1).max(100),
  params: z.unknown().optional(),
});
export type RpcRequest = z.output<typeof requestSchema>;

export const responseSchema = z.union([
  z.object({ jsonrpc: z.literal('2.0'), id: z.union([z.string(), z.number(), z.null()]), result: z.unknown() }),
  z.object({
    jsonrpc: z.literal('2.0'),
    id: z.union([z.string(), z.number(), z.null()]),
    error: z.object({ code: z.number().int(), message: z.string(), data: z.unknown().optional() }),
  }),
]);
export type RpcResponse = z.output<typeof responseSchema>;

export const RPC_ERRORS = {
  parse: -32700,
  invalidRequest: -32600,
  methodNotFound: -32601,
  invalidParams: -32602,
  internal: -32603,
} as const;

/** Lines longer than this are junk, not requests; the server drops the connection. */
export const MAX_LINE_BYTES = 64 * 1024;
