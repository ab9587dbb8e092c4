// What the QA manager's e-signature must say for each signed report act: its meaning and the
// exact purpose text the portal's signing dialog showed (services/portal/web/src/signed-acts.ts
// builds the same words). A signature for one report or act fits no other.

export interface SignedAct {
  meaning: string;
  purpose: string;
}

export const signedActs = {
  amend: (reportNumber: string): SignedAct => ({ meaning: 'amended', purpose: `amend report ${reportNumber}` }),
  withdraw: (reportNumber: string): SignedAct => ({ meaning: 'withdrawn', purpose: `withdraw report ${reportNumber}` }),
};
