// The portal's configuration, from the environment. The portal issues tokens, so unlike the
// other services it needs no AUTH_PUBLIC_KEY_FILE: it keeps the signing key pair in KEYS_DIR.
import path from 'node:path';
import { z } from 'zod';
import { ServiceConfigSchema } from '@tamga/service-kit';

const optionalUrl = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()))
  .pipe(z.url().optional());

const flag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const { AUTH_PUBLIC_KEY_FILE: _file, AUTH_JWKS_URL: _url, ...common } = ServiceConfigSchema.shape;

export const PortalConfigSchema = z
  .object({
    ...common,
    PORT: z.coerce.number().int().min(0).max(65535).default(3400),
    /** Where the token-signing key pair lives (default DATA_DIR/keys); services read its public file. */
    KEYS_DIR: z.string().min(1).optional(),
    INTAKE_URL: optionalUrl,
    ANALYSIS_URL: optionalUrl,
    REPORTING_URL: optionalUrl,
    ACCESS_TOKEN_TTL_SECONDS: z.coerce.number().int().min(30).max(3600).default(900),
    SESSION_TTL_SECONDS: z.coerce.number().int().min(300).max(7 * 24 * 3600).default(10 * 3600),
    E_SIGNATURE_TTL_SECONDS: z.coerce.number().int().min(10).max(900).default(120),
    LOCKOUT_THRESHOLD: z.coerce.number().int().min(1).max(100).default(5),
    LOCKOUT_MINUTES: z.coerce.number().int().min(1).max(24 * 60).default(15),
    /** log2 of scrypt's cost N for new password hashes (15 = 32 MiB; OWASP's floor is 17 at p=1, or 15 at p=3). */
    SCRYPT_LOG2N: z.coerce.number().int().min(14).max(20).default(15),
    /** Send the refresh cookie only over HTTPS (set true behind TLS). */
    COOKIE_SECURE: flag.default(false),
    /** The built web UI; built on start when absent unless WEB_BUILD=false. */
    WEB_DIR: z.string().min(1).optional(),
    WEB_BUILD: flag.default(true),
    /** Create the admin and demo users with random passwords on first start. */
    SEED_DEMO_USERS: flag.default(true),
  })
  .superRefine((c, ctx) => {
    if (c.STORE_BACKEND === 'mongo' && c.MONGO_URL === undefined) {
      ctx.addIssue({ code: 'custom', path: ['MONGO_URL'], message: 'is required when STORE_BACKEND=mongo' });
    }
  })
  .transform((c) => ({ ...c, KEYS_DIR: c.KEYS_DIR ?? path.join(c.DATA_DIR, 'keys') }));
export type PortalConfig = z.infer<typeof PortalConfigSchema>;
