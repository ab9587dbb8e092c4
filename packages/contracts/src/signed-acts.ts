// What an e-signature says for each signed act: its meaning and the exact purpose text the signer
// sees in the portal's signing dialog. The portal's web UI builds the texts from here and the
// service recording the act checks the same words, so a signature given for one act (another
// item, case, receiver, report or kind of move) fits no other. Plain data and functions, no
// runtime dependencies: the browser imports this file as `@tamga/contracts/signed-acts`.

/** The kinds of custody move recorded by POST /v1/items/:labNo/custody. */
export type CustodyMoveKind =
  | 'store'
  | 'retrieve'
  | 'open_seal'
  | 'reseal'
  | 'return_to_agency'
  | 'propose_destruction'
  | 'witness_destruction';

/** Meanings of a custody signature (ISO/IEC 17025 7.5; 21 CFR Part 11 practice). */
export type CustodyMeaning = 'released' | 'received' | 'witnessed' | 'performed';

/** Meanings of the signatures of analysis and reporting acts. */
export type ReviewMeaning = 'approved' | 'returned' | 'corrected' | 'amended' | 'withdrawn';

export interface SignedActText<M extends string = CustodyMeaning | ReviewMeaning> {
  meaning: M;
  purpose: string;
}

const MOVE_MEANING: Record<CustodyMoveKind, CustodyMeaning> = {
  store: 'performed',
  retrieve: 'performed',
  open_seal: 'performed',
  reseal: 'performed',
  propose_destruction: 'performed',
  return_to_agency: 'released',
  witness_destruction: 'witnessed',
};

type Custody = SignedActText<CustodyMeaning>;
type Review = SignedActText<ReviewMeaning>;

export const signedActs = {
  // intake
  receive: (caseId: string, exhibitNo: string): Custody => ({ meaning: 'received', purpose: `receive ${exhibitNo} into ${caseId}` }),
  move: (labNo: string, kind: CustodyMoveKind): Custody => ({ meaning: MOVE_MEANING[kind], purpose: `${kind} ${labNo}` }),
  offerTransfer: (labNo: string, toUserId: string): Custody => ({ meaning: 'released', purpose: `transfer ${labNo} to ${toUserId}` }),
  acceptTransfer: (labNo: string, transferId: string): Custody => ({
    meaning: 'received',
    purpose: `accept transfer ${transferId} of ${labNo}`,
  }),
  declineTransfer: (labNo: string, transferId: string): Custody => ({
    meaning: 'performed',
    purpose: `decline transfer ${transferId} of ${labNo}`,
  }),
  subSample: (labNo: string): Custody => ({ meaning: 'performed', purpose: `sub-sample ${labNo}` }),
  /** The holder releases the item to analysis (POST /v1/items/:labNo/analysis-requests). */
  sendForAnalysis: (labNo: string): Custody => ({ meaning: 'released', purpose: `send ${labNo} for analysis` }),
  /** The same words as the custody move `witness_destruction`, on either route. */
  witnessDestruction: (labNo: string): Custody => ({ meaning: 'witnessed', purpose: `witness_destruction ${labNo}` }),
  // analysis
  /** The reviewer approves the submitted result of a work item. */
  approve: (workItemId: string): Review => ({ meaning: 'approved', purpose: `approve work item ${workItemId}` }),
  /** The reviewer sends a submitted result back to the analyst with reasons. */
  sendBack: (workItemId: string): Review => ({ meaning: 'returned', purpose: `send back work item ${workItemId}` }),
  /** An approved result is reopened as a new version, naming the reason. */
  correct: (resultId: string): Review => ({ meaning: 'corrected', purpose: `correct result ${resultId}` }),
  // reporting
  amendReport: (reportNumber: string): Review => ({ meaning: 'amended', purpose: `amend report ${reportNumber}` }),
  withdrawReport: (reportNumber: string): Review => ({ meaning: 'withdrawn', purpose: `withdraw report ${reportNumber}` }),
};
