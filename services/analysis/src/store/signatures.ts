// One e-signature, one act: the token's id is recorded in the transaction of the act it signs,
// so the same token (still within its lifetime) cannot sign the next approval or send-back of
// the same work item a second time.
import type { Transaction } from '@tamga/store';
import { AnalysisErrors } from '../domain/errors.ts';
import { usedSignatures } from './collections.ts';
import type { ESignatureRecord } from './collections.ts';

export async function recordSignatureUse(
  tx: Transaction,
  signature: ESignatureRecord & { by: string },
  use: { act: string; entityId: string; at: string },
): Promise<void> {
  const col = tx.collection(usedSignatures);
  if ((await col.get(signature.signatureId)) !== undefined) {
    throw AnalysisErrors.ANALYSIS_ERR_SIGNATURE_REUSED(undefined, {
      errors: [{ field: 'body.eSignature', message: 'was already used; sign this act again' }],
    });
  }
  await col.insert({ _id: signature.signatureId, act: use.act, entityId: use.entityId, by: signature.by, at: use.at });
}
