// Electronic signatures (ISO 17025 7.5, 21 CFR 11.50): the portal re-authenticates the signer
// (password re-entered) and issues a short-lived signed token naming who signed, the printed
// name, when, what it means and what it is for. A service that records a signed act (receipt,
// transfer, approval, report issue) verifies the token with the portal's public key and
// checks it names the caller, the meaning and the purpose it expects. Its own audience keeps
// an e-signature from being used as an access token, and the reverse.
import { randomUUID } from 'node:crypto';
import { SignJWT, jwtVerify } from 'jose';
import type { CryptoKey, JWTVerifyOptions, JWTVerifyResult } from 'jose';
import { z } from 'zod';
import { IsoDateTime, LabCode, PersonName, UserId, errorCatalogue } from '@tamga/contracts';
import { keyLookupFor, verificationKeyFromConfig } from './verify.ts';
import type { AuthConfig, VerificationKey } from './verify.ts';
import { TOKEN_ALG } from './keys.ts';

export const E_SIGNATURE_AUDIENCE = 'tamga-e-signature';
export const E_SIGNATURE_TYP = 'tamga-esig+jwt';

export const eSignatureErrors = errorCatalogue({
  ESIG_ERR_INVALID: [422, 'The e-signature is invalid or expired; sign again'],
  ESIG_ERR_MISMATCH: [403, 'The e-signature does not match this act'],
});

/** The claims an e-signature token carries (besides iss, aud, iat, exp, jti). */
export const ESignatureClaims = z.object({
  sub: UserId,
  printedName: PersonName,
  time: IsoDateTime,
  meaning: z.string().regex(/^[a-z][a-z_]{1,39}$/),
  purpose: z.string().min(1).max(500),
  lab: LabCode,
});
export type ESignatureClaims = z.infer<typeof ESignatureClaims>;

/** A verified e-signature, shaped as recorded on events (`by`, `printedName`, `time`, `meaning`). */
export interface VerifiedESignature {
  by: string;
  printedName: string;
  time: string;
  meaning: string;
  purpose: string;
  lab: string;
  /** Unique id of the signature token: record it so one signature is not used for two acts. */
  signatureId: string;
}

export interface ESignatureExpectation {
  /** The signer must be this user (normally `request.principal.sub`). */
  sub: string;
  /** One meaning or any of several. */
  meaning: string | readonly string[];
  /** When given, the purpose must equal it exactly. */
  purpose?: string | undefined;
}

export interface ESignatureIssueOptions {
  privateKey: CryptoKey;
  kid?: string | undefined;
  issuer: string;
  /** Lifetime of the token (default 120 s): long enough to submit the act, no longer. */
  ttlSeconds?: number | undefined;
}

/** Signs an e-signature token (used by the portal after re-checking the password). */
export async function issueESignature(claims: ESignatureClaims, options: ESignatureIssueOptions): Promise<string> {
  const c = ESignatureClaims.parse(claims);
  const iat = Math.floor(Date.parse(c.time) / 1000);
  return new SignJWT({ printedName: c.printedName, time: c.time, meaning: c.meaning, purpose: c.purpose, lab: c.lab })
    .setProtectedHeader({ alg: TOKEN_ALG, typ: E_SIGNATURE_TYP, ...(options.kid === undefined ? {} : { kid: options.kid }) })
    .setSubject(c.sub)
    .setIssuer(options.issuer)
    .setAudience(E_SIGNATURE_AUDIENCE)
    .setIssuedAt(iat)
    .setExpirationTime(iat + (options.ttlSeconds ?? 120))
    .setJti(randomUUID())
    .sign(options.privateKey);
}

export interface ESignatureVerifierOptions {
  key: VerificationKey;
  issuer: string;
  clockToleranceSeconds?: number | undefined;
  /** Clock for tests (default: now). */
  currentDate?: (() => Date) | undefined;
}

export interface ESignatureVerifier {
  verify(token: string, expected: ESignatureExpectation): Promise<VerifiedESignature>;
}

/** A verifier bound to the portal's key (file or JWKS, as the service's AuthConfig gives it). */
export function createESignatureVerifier(options: ESignatureVerifierOptions): ESignatureVerifier {
  const { key } = options;
  const lookup = keyLookupFor(key);
  const verifyJwt = (token: string, o: JWTVerifyOptions): Promise<JWTVerifyResult> =>
    typeof lookup === 'function' ? jwtVerify(token, lookup, o) : jwtVerify(token, lookup, o);
  return {
    async verify(token, expected) {
      let payload: unknown;
      try {
        const result = await verifyJwt(token, {
          algorithms: [TOKEN_ALG],
          typ: E_SIGNATURE_TYP,
          issuer: options.issuer,
          audience: E_SIGNATURE_AUDIENCE,
          clockTolerance: options.clockToleranceSeconds ?? 5,
          requiredClaims: ['sub', 'exp', 'iat', 'jti'],
          ...(options.currentDate === undefined ? {} : { currentDate: options.currentDate() }),
        });
        payload = result.payload;
      } catch (err) {
        throw eSignatureErrors.ESIG_ERR_INVALID(undefined, { errors: [{ field: 'body.eSignature', message: 'is invalid or expired' }], cause: err });
      }
      const claims = ESignatureClaims.extend({ jti: z.string().min(1) }).safeParse(payload);
      if (!claims.success) {
        throw eSignatureErrors.ESIG_ERR_INVALID('the e-signature lacks the claims of a Tamga signature', { cause: claims.error });
      }
      const c = claims.data;
      const meanings: readonly string[] = typeof expected.meaning === 'string' ? [expected.meaning] : expected.meaning;
      const mismatch =
        c.sub !== expected.sub
          ? 'was made by another user'
          : !meanings.includes(c.meaning)
            ? `means "${c.meaning}", expected ${meanings.map((m) => `"${m}"`).join(' or ')}`
            : expected.purpose !== undefined && c.purpose !== expected.purpose
              ? 'was made for another purpose'
              : undefined;
      if (mismatch !== undefined) {
        throw eSignatureErrors.ESIG_ERR_MISMATCH(`the e-signature ${mismatch}`, { errors: [{ field: 'body.eSignature', message: mismatch }] });
      }
      return { by: c.sub, printedName: c.printedName, time: c.time, meaning: c.meaning, purpose: c.purpose, lab: c.lab, signatureId: c.jti };
    },
  };
}

/** One-off verification; services verifying often should keep a `createESignatureVerifier`. */
export function verifyESignature(token: string, expected: ESignatureExpectation, options: ESignatureVerifierOptions): Promise<VerifiedESignature> {
  return createESignatureVerifier(options).verify(token, expected);
}

/**
 * The e-signature verifier a service's config asks for: the same portal key as access tokens.
 * Undefined when the config names no key (the service then refuses e-signed requests).
 */
export async function eSignatureVerifierFromConfig(config: AuthConfig): Promise<ESignatureVerifier | undefined> {
  const key = await verificationKeyFromConfig(config);
  return key === undefined ? undefined : createESignatureVerifier({ key, issuer: config.AUTH_ISSUER });
}
