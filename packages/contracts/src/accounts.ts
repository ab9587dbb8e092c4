// The portal's wire contracts: sign-in, user accounts and the e-signature step (services/portal).
import { z } from 'zod';
import { AgencyId, PersonName, UserId } from './common.ts';
import { Role } from './identity.ts';

/** Usernames are compared in lower case. */
export const Username = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9][a-z0-9._-]{2,63}$/, 'must be 3-64 characters: a-z 0-9 . _ - (starting with a letter or digit)');

export const Password = z.string().min(1, 'is required').max(256, 'must be at most 256 characters');

export const SignInBody = z.object({ username: Username, password: Password });
export type SignInBody = z.infer<typeof SignInBody>;

export const CreateUserBody = z.object({
  username: Username,
  name: PersonName,
  roles: z.array(Role).min(1, 'give at least one role'),
  agencyId: AgencyId.optional(),
  /** Omit to have the portal generate a random password, returned once. */
  password: Password.optional(),
});
export type CreateUserBody = z.infer<typeof CreateUserBody>;

export const UpdateUserBody = z
  .object({
    name: PersonName.optional(),
    roles: z.array(Role).min(1, 'give at least one role').optional(),
    agencyId: AgencyId.nullable().optional(),
    disabled: z.boolean().optional(),
  })
  .refine((b) => Object.keys(b).length > 0, 'change at least one field');
export type UpdateUserBody = z.infer<typeof UpdateUserBody>;

export const ChangePasswordBody = z.object({ currentPassword: Password, newPassword: Password });
export type ChangePasswordBody = z.infer<typeof ChangePasswordBody>;

/** The signer re-enters their password (POST /v1/e-signatures). */
export const ESignatureRequestBody = z.object({
  password: Password,
  /** What the signature means: released, received, witnessed, performed, reviewed, approved, issued... */
  meaning: z.string().regex(/^[a-z][a-z_]{1,39}$/, 'must be a lower-case word such as approved or received'),
  /** What is being signed, e.g. `approve result R-17 v2`; the service checks it matches. */
  purpose: z.string().trim().min(1, 'is required').max(500),
});
export type ESignatureRequestBody = z.infer<typeof ESignatureRequestBody>;

/** A witness at the signer's workstation types their own username and password (POST /v1/e-signatures/witnesses). */
export const WitnessSignatureBody = ESignatureRequestBody.extend({
  username: z.string().trim().min(1, 'is required').max(100),
  meaning: z.literal('witnessed'),
});
export type WitnessSignatureBody = z.infer<typeof WitnessSignatureBody>;

/** `/v1/users/:userId`. */
export const UserParams = z.object({ userId: UserId });
export type UserParams = z.infer<typeof UserParams>;
