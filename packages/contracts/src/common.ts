// Field schemas shared by every context. Types come from the schemas (z.infer), so the schema
// stays the single source of truth.
import { z } from 'zod';

/** Lab number `<LAB>-<YYYY>-<NNNNNN>-<NN>`, sub-samples `.<n>` (repeatable): `TMG-2025-000123-01.2`. */
export const LabNo = z
  .string()
  .regex(/^[A-Z]{2,8}-\d{4}-\d{6}-\d{2}(\.\d+)*$/, 'must look like LAB-YYYY-NNNNNN-NN, sub-samples .n');
export type LabNo = z.infer<typeof LabNo>;

/** Lab code: the `<LAB>` prefix of lab numbers. */
export const LabCode = z.string().regex(/^[A-Z]{2,8}$/, 'must be 2-8 capital letters');
export type LabCode = z.infer<typeof LabCode>;

/** An opaque identifier (case, agency, result, user...): 1-128 URL-safe characters. */
export const Id = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9._:@-]+$/, 'must be 1-128 characters of A-Z a-z 0-9 . _ : @ -');
export type Id = z.infer<typeof Id>;

export const CaseId = Id;
export type CaseId = Id;
export const AgencyId = Id;
export type AgencyId = Id;
export const ResultId = Id;
export type ResultId = Id;
export const UserId = Id;
export type UserId = Id;

/** UUIDv7: time-ordered, used for event ids. */
export const Uuid7 = z.uuidv7();
export type Uuid7 = z.infer<typeof Uuid7>;

/** ISO 8601 date-time with `Z` or an offset, e.g. `2025-03-01T10:00:00.000Z`. */
export const IsoDateTime = z.iso.datetime({ offset: true });
export type IsoDateTime = z.infer<typeof IsoDateTime>;

/** ISO 8601 calendar date `YYYY-MM-DD`. */
export const IsoDate = z.iso.date();
export type IsoDate = z.infer<typeof IsoDate>;

/** Lower-case hex SHA-256 digest. */
export const Sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lower-case hex digits');
export type Sha256Hex = z.infer<typeof Sha256Hex>;

/** A person's display name as printed on records. */
export const PersonName = z.string().trim().min(1).max(200);
export type PersonName = z.infer<typeof PersonName>;

/** The portal's e-signature token (POST /v1/e-signatures); the service recording the act verifies it against the act. */
export const ESignatureToken = z.string().min(1).max(8192);
export type ESignatureToken = z.infer<typeof ESignatureToken>;

/** What every e-signed act's body carries besides its own fields. */
export const SignedActBody = z.object({ eSignature: ESignatureToken });
export type SignedActBody = z.infer<typeof SignedActBody>;
