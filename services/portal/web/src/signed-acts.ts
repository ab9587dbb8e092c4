// What each signed act's e-signature says: its meaning and the exact purpose text the signer
// sees in the dialog. The service recording the act checks the same words (intake:
// services/{intake,analysis,reporting}/src/domain/signed-acts.ts), so a signature given for one
// act fits no other.

export interface SignedAct {
  meaning: string;
  purpose: string;
}

/** The kinds of POST /v1/items/:labNo/custody. */
export type CustodyKind =
  'store' | 'retrieve' | 'open_seal' | 'reseal' | 'return_to_agency' | 'propose_destruction' | 'witness_destruction';

const CUSTODY_MEANING: Record<CustodyKind, string> = {
  store: 'performed',
  retrieve: 'performed',
  open_seal: 'performed',
  reseal: 'performed',
  propose_destruction: 'performed',
  return_to_agency: 'released',
  witness_destruction: 'witnessed',
};

export const signedActs = {
  receive: (caseId: string, exhibitNo: string): SignedAct => ({
    meaning: 'received',
    purpose: `receive ${exhibitNo} into ${caseId}`,
  }),
  custody: (labNo: string, kind: CustodyKind): SignedAct => ({
    meaning: CUSTODY_MEANING[kind],
    purpose: `${kind} ${labNo}`,
  }),
  offerTransfer: (labNo: string, toUserId: string): SignedAct => ({
    meaning: 'released',
    purpose: `transfer ${labNo} to ${toUserId}`,
  }),
  acceptTransfer: (labNo: string, transferId: string): SignedAct => ({
    meaning: 'received',
    purpose: `accept transfer ${transferId} of ${labNo}`,
  }),
  declineTransfer: (labNo: string, transferId: string): SignedAct => ({
    meaning: 'performed',
    purpose: `decline transfer ${transferId} of ${labNo}`,
  }),
  subSample: (labNo: string): SignedAct => ({ meaning: 'performed', purpose: `sub-sample ${labNo}` }),
  approve: (workItemId: string): SignedAct => ({ meaning: 'approved', purpose: `approve work item ${workItemId}` }),
  sendBack: (workItemId: string): SignedAct => ({ meaning: 'returned', purpose: `send back work item ${workItemId}` }),
  correct: (resultId: string): SignedAct => ({ meaning: 'corrected', purpose: `correct result ${resultId}` }),
  amendReport: (reportNumber: string): SignedAct => ({ meaning: 'amended', purpose: `amend report ${reportNumber}` }),
  withdrawReport: (reportNumber: string): SignedAct => ({
    meaning: 'withdrawn',
    purpose: `withdraw report ${reportNumber}`,
  }),
};
