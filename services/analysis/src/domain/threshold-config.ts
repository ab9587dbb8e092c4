// The schema of the legal-threshold configuration file (grams, per jurisdiction and substance).
import { z } from 'zod';

export const ThresholdConfig = z.array(
  z.object({
    jurisdiction: z.string().trim().min(1),
    substance: z.string().trim().min(1),
    significant: z.number().positive().optional(),
    large: z.number().positive().optional(),
    especially_large: z.number().positive().optional(),
    source: z.string().trim().min(1),
  }),
);
