// The e-signature step: the signed-in caller re-enters their password and gets a short-lived
// signed statement (printed name, time, meaning, purpose) to hand to the service that records
// the act. Wrong passwords count towards the lockout like failed sign-ins.
import { ESignatureRequestBody, WitnessSignatureBody } from '@tamga/contracts';
import { createTokenIssuer, issueESignature } from '@tamga/service-kit';
import type { ServiceApp, SigningKeyPair, TokenIssuer } from '@tamga/service-kit';
import { principalOf } from '../domain/accounts.ts';
import type { UserRecord } from '../domain/accounts.ts';
import { portalErrors } from '../domain/errors.ts';
import { checkCredentials } from '../identity/credentials.ts';
import type { CredentialDeps } from '../identity/credentials.ts';

export interface ESignatureRouteDeps {
  credentials: CredentialDeps;
  /** The key signing now: after a rotation of the key files, the new one. */
  signingKey: () => Promise<SigningKeyPair>;
  issuer: string;
  audience: string;
  lab: string;
  ttlSeconds: number;
}

/** Lab staff who may witness an act at a colleague's workstation (never an investigator). */
const WITNESS_ROLES = ['technician', 'analyst', 'reviewer', 'qa_manager', 'admin'] as const;


export function registerESignatureRoutes(app: ServiceApp, deps: ESignatureRouteDeps): void {
  // The witness acts only for the life of their signature: an access token as short as it.
  const witnessTokens: TokenIssuer = {
    async issue(principal, at) {
      const key = await deps.signingKey();
      return createTokenIssuer({ privateKey: key.privateKey, kid: key.kid, issuer: deps.issuer, audience: deps.audience, ttlSeconds: deps.ttlSeconds }).issue(principal, at);
    },
  };

  async function sign(user: { _id: string } & UserRecord, meaning: string, purpose: string) {
    const time = deps.credentials.now();
    // Whole seconds: the JWT's iat and the recorded time must agree.
    const at = new Date(Math.floor(time.getTime() / 1000) * 1000).toISOString();
    const signature = { sub: user._id, printedName: user.name, time: at, meaning, purpose, lab: deps.lab };
    const key = await deps.signingKey();
    const token = await issueESignature(signature, {
      privateKey: key.privateKey,
      kid: key.kid,
      issuer: deps.issuer,
      ttlSeconds: deps.ttlSeconds,
    });
    return {
      token,
      signature: { by: user._id, printedName: user.name, time: at, meaning, purpose },
      expiresAt: new Date(Date.parse(at) + deps.ttlSeconds * 1000).toISOString(),
      at,
    };
  }

  app.post('/v1/e-signatures', { schema: { body: ESignatureRequestBody } }, async (request, reply) => {
    const { password, meaning, purpose } = request.body;
    const user = await checkCredentials(deps.credentials, { userId: request.principal.sub }, password, 'e_signature');
    const { at: _at, ...signed } = await sign(user, meaning, purpose);
    request.log.info({ userId: user._id, meaning }, 'e-signature given');
    return reply.status(201).header('cache-control', 'no-store').send(signed);
  });

  /**
   * A second person's signature given at the signer's workstation (a destruction's witness): the
   * witness re-enters their own credentials; the answer is their e-signature and an access token
   * as short-lived as it, so the browser can record the witnessed act as the witness. The signed-in
   * caller cannot witness their own act.
   */
  app.post(
    '/v1/e-signatures/witnesses',
    { config: { roles: [...WITNESS_ROLES] }, schema: { body: WitnessSignatureBody } },
    async (request, reply) => {
      const { username, password, meaning, purpose } = request.body;
      const witness = await checkCredentials(deps.credentials, { username }, password, 'e_signature.witness');
      if (witness._id === request.principal.sub) {
        throw portalErrors.PORTAL_ERR_WITNESS_SELF(undefined, {
          errors: [{ field: 'body.username', message: 'the witness must be another person' }],
        });
      }
      if (!witness.roles.some((r) => (WITNESS_ROLES as readonly string[]).includes(r))) {
        throw portalErrors.PORTAL_ERR_WITNESS_ROLE(undefined, {
          errors: [{ field: 'body.username', message: 'only lab staff may witness' }],
        });
      }
      const { at, ...signed } = await sign(witness, meaning, purpose);
      const accessToken = await witnessTokens.issue(principalOf(witness._id, witness, deps.lab), new Date(at));
      request.log.info({ userId: witness._id, by: request.principal.sub, meaning }, 'witness e-signature given');
      return reply
        .status(201)
        .header('cache-control', 'no-store')
        .send({ ...signed, accessToken });
    },
  );
}
