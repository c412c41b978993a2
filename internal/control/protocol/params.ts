import { z } from 'zod';

/** zod schemas for request params, checked by the daemon on everything it receives. */
export const tickParamsSchema = z.object({ reason: z.string().max(200).optional() }).strict().optional();
