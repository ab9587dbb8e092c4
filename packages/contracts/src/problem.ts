// RFC 9457 problem details: the one error shape every HTTP route returns.
import { z } from 'zod';

export const ProblemFieldError = z.object({
  /** Where the bad value was: `body.items.0.seals.1.number`, `query.limit`, `params.labNo`. */
  field: z.string(),
  message: z.string(),
});
export type ProblemFieldError = z.infer<typeof ProblemFieldError>;

export const ProblemDetails = z.object({
  /** A URI naming the kind of problem: `urn:tamga:problem:<CODE>`. */
  type: z.string(),
  title: z.string(),
  status: z.number().int().min(400).max(599),
  detail: z.string(),
  instance: z.string().optional(),
  /** Stable machine-readable code, e.g. `CUSTODY_ERR_CHAIN_BROKEN`; tests assert it. */
  code: z.string(),
  errors: z.array(ProblemFieldError).optional(),
  traceId: z.string().optional(),
});
export type ProblemDetails = z.infer<typeof ProblemDetails>;

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** The `type` URI of a problem code. */
export function problemType(code: string): string {
  return `urn:tamga:problem:${code}`;
}
