// The signing PORT. Everything that signs a report goes through this interface, so a national
// signing module (Uzbekistan's E-IMZO, Kazakhstan's NCALayer: both produce detached CMS) can
// replace the local key without touching rendering, PAdES embedding or verification.

/** What to sign: the bytes themselves, or their SHA-256 when the module only takes a hash. */
export type CmsContent = { bytes: Uint8Array } | { sha256: Uint8Array };

export interface CmsSignOptions {
  /**
   * `pades`: the CMS goes into a PDF (ETSI EN 319 142-1 baseline): no signing-time attribute,
   * the claimed time is the signature dictionary's /M. `cades`: a stand-alone detached .p7s
   * (CAdES-BES), which carries the signing-time attribute because nothing else would.
   */
  profile: 'pades' | 'cades';
  signingTime?: Date;
}

export interface SignerDescription {
  /** Printed on the report: the person or the lab seal the certificate names. */
  name: string;
  role: string;
  organization?: string;
  /** RFC 4514 subject of the signing certificate. */
  subject: string;
  /** Which implementation signs: "local", "e-imzo", "ncalayer"... */
  module: string;
}

export interface ReportSigner {
  /** Signing certificate first, then its issuers (DER). */
  certificateChain(): Promise<Uint8Array[]>;
  /** A detached CMS SignedData (DER, ContentInfo-wrapped) over the content. */
  signCms(content: CmsContent, options: CmsSignOptions): Promise<Uint8Array>;
  describe(): SignerDescription;
}
