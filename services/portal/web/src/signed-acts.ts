// What each signed act's e-signature says (meaning, and the exact purpose text the signer sees in
// the dialog) comes from @tamga/contracts, where the services that record the acts read the same
// words: a signature given for one act fits no other.
export { signedActs } from '@tamga/contracts/signed-acts';
export type { CustodyMoveKind as CustodyKind, SignedActText as SignedAct } from '@tamga/contracts/signed-acts';
