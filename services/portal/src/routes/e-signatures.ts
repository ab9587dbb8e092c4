// The e-signature step: the signed-in caller re-enters their password and gets a short-lived
// signed statement (printed name, time, meaning, purpose) to hand to the service that records
// the act. Wrong passwords count towards the lockout like failed sign-ins.
import { issueESignature } from '@tamga/service-kit';
import type { ServiceApp, SigningKeyPair } from '@tamga/service-kit';
import { ESignatureBody } from '../domain/accounts.ts';
import { checkCredentials } from '../identity/credentials.ts';
import type { CredentialDeps } from '../identity/credentials.ts';

export interface ESignatureRouteDeps {
  credentials: CredentialDeps;
  keys: SigningKeyPair;
  issuer: string;
  lab: string;
  ttlSeconds: number;
}

export function registerESignatureRoutes(app: ServiceApp, deps: ESignatureRouteDeps): void {
  app.post('/v1/e-signatures', { schema: { body: ESignatureBody } }, async (request, reply) => {
    const { password, meaning, purpose } = request.body;
    const user = await checkCredentials(deps.credentials, { userId: request.principal.sub }, password, 'e_signature');
    const time = deps.credentials.now();
    // Whole seconds: the JWT's iat and the recorded time must agree.
    const at = new Date(Math.floor(time.getTime() / 1000) * 1000).toISOString();
    const signature = { sub: user._id, printedName: user.name, time: at, meaning, purpose, lab: deps.lab };
    const token = await issueESignature(signature, {
      privateKey: deps.keys.privateKey,
      kid: deps.keys.kid,
      issuer: deps.issuer,
      ttlSeconds: deps.ttlSeconds,
    });
    request.log.info({ userId: user._id, meaning }, 'e-signature given');
    return reply
      .status(201)
      .header('cache-control', 'no-store')
      .send({
        token,
        signature: { by: user._id, printedName: user.name, time: at, meaning, purpose },
        expiresAt: new Date(Date.parse(at) + deps.ttlSeconds * 1000).toISOString(),
      });
  });
}
