// What the e-signature of each signed analysis act must say: its meaning and the exact purpose
// text the signer saw in the portal's signing dialog (services/portal/web/src/signed-acts.ts
// builds the same words; keep the two in step). A signature given for one act fits no other.

export interface SignedAct {
  meaning: string;
  purpose: string;
}

export const signedActs = {
  /** The reviewer approves the submitted result of a work item. */
  approve: (workItemId: string): SignedAct => ({ meaning: 'approved', purpose: `approve work item ${workItemId}` }),
  /** The reviewer sends a submitted result back to the analyst with reasons. */
  sendBack: (workItemId: string): SignedAct => ({ meaning: 'returned', purpose: `send back work item ${workItemId}` }),
  /** An approved result is reopened as a new version, naming the reason. */
  correct: (resultId: string): SignedAct => ({ meaning: 'corrected', purpose: `correct result ${resultId}` }),
};

