// The custody catalogue. Verifiers never throw for tampered data: they return a verdict whose
// `reason` is one of these codes, so a court-facing report can quote a stable code. Functions
// that build records (append, sign, prove) throw the DomainError of the same code instead.
import { errorCatalogue } from '@tamga/contracts';

const custodyErrorEntries = {
  CUSTODY_ERR_MALFORMED_EVENT: [422, 'A custody event is not a well-formed chained event'],
  CUSTODY_ERR_NOT_CANONICAL: [422, 'The value cannot be written as RFC 8785 canonical JSON'],
  CUSTODY_ERR_HASH_MISMATCH: [422, "A custody event's content does not match its hash"],
  CUSTODY_ERR_CHAIN_BROKEN: [422, "A custody event's prevHash does not match the previous event"],
  CUSTODY_ERR_SEQUENCE: [422, 'A custody event is out of sequence'],
  CUSTODY_ERR_ITEM_MISMATCH: [422, 'A custody event belongs to another item'],
  CUSTODY_ERR_DUPLICATE_EVENT: [422, 'The same event id appears twice in a chain'],
  CUSTODY_ERR_EVENT_ID_CONFLICT: [409, 'An event with this id but different content is already in the chain'],
  CUSTODY_ERR_TRUNCATED: [422, 'The chain is shorter than a head recorded earlier'],
  CUSTODY_ERR_HEAD_MISMATCH: [422, 'The chain does not extend a head recorded earlier'],
  CUSTODY_ERR_INCLUSION: [422, 'A custody event is not proven to be in the signed log'],
  CUSTODY_ERR_NOT_IN_LOG: [404, 'The entry is not in the log at that size'],
  CUSTODY_ERR_LOG_RANGE: [400, 'A log index or size is out of range'],
  CUSTODY_ERR_CHECKPOINT_MALFORMED: [422, 'The checkpoint is not a well-formed signed note'],
  CUSTODY_ERR_CHECKPOINT_SIGNATURE: [422, 'The checkpoint carries no valid signature by the given key'],
  CUSTODY_ERR_KEY_MISMATCH: [422, 'The bundle names a different public key than the one supplied'],
  CUSTODY_ERR_KEY_INVALID: [400, 'The key is not an Ed25519 key in a supported encoding'],
  CUSTODY_ERR_BUNDLE_MALFORMED: [422, 'The proof bundle does not have the expected shape'],
} as const;

export type CustodyErrorCode = keyof typeof custodyErrorEntries;

export const CustodyErrors = errorCatalogue(custodyErrorEntries);

/** The catalogue's one-line title for a code (what a verdict means, without the detail). */
export function custodyErrorTitle(code: CustodyErrorCode): string {
  return custodyErrorEntries[code][1];
}

/** A failed verification: the first thing found wrong, named by a stable code. */
export interface CustodyFailure {
  ok: false;
  reason: CustodyErrorCode;
  detail: string;
  /** Position of the first bad event in the chain, when the failure is about an event. */
  index?: number;
  eventId?: string;
}
