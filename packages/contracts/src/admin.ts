// Administration routes every event-consuming service registers (service-kit's dead-letter desk).
import { z } from 'zod';

/** A page of dead letters (GET /v1/admin/dead-letters). */
export const DeadLetterListQuery = z.strictObject({
  /** Sequence of the last letter of the previous page (`next` of that page). */
  after: z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export type DeadLetterListQuery = z.infer<typeof DeadLetterListQuery>;

/** The dead letter a replay names (POST /v1/admin/dead-letters/:id/replay). */
export const DeadLetterParams = z.strictObject({ id: z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER) });
export type DeadLetterParams = z.infer<typeof DeadLetterParams>;
