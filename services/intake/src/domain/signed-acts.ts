// What an e-signature must say for each signed custody act: its meaning, and the exact purpose
// text the signer saw in the portal's signing dialog. A signature given for one act (another
// item, case, receiver or kind of move) does not fit another. The portal's UI builds the same
// texts; keep the two in step.
import type { CustodyCommandBody, SignatureMeaning } from '@tamga/contracts';

export interface SignedAct {
  meaning: SignatureMeaning;
  purpose: string;
}

const MOVE_MEANING: Record<CustodyCommandBody['kind'], SignatureMeaning> = {
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
  move: (labNo: string, kind: CustodyCommandBody['kind']): SignedAct => ({
    meaning: MOVE_MEANING[kind],
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
  /** The same words as the custody move `witness_destruction`, on either route. */
  witnessDestruction: (labNo: string): SignedAct => ({ meaning: 'witnessed', purpose: `witness_destruction ${labNo}` }),
};
