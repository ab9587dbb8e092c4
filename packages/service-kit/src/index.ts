export { createServiceApp, parseInput } from './app.ts';
export type { ServiceApp, ServiceAppOptions, ReadinessCheck } from './app.ts';

export { loadConfig, loadConfigOrExit, exitOnBadConfig, checkServiceConfig, ConfigError, ServiceConfigSchema } from './config.ts';
export type { ServiceConfig } from './config.ts';

export { kitErrors } from './errors.ts';

export { IdempotencyKeys, IDEMPOTENCY_KEY_HEADER, IDEMPOTENT_REPLAYED_HEADER } from './idempotency.ts';
export type { IdempotencyOptions } from './idempotency.ts';

export { createLogger, withLogContext, REDACT_PATHS } from './logging.ts';
export type { Logger, LoggerOptions, LogContext } from './logging.ts';

export { runService } from './run.ts';
export type { RunServiceOptions, RunningService } from './run.ts';

export { assertAgencyScope, assertRole, hasAnyRole } from './auth/access.ts';
export {
  createJwtAuthenticator,
  readVerificationKey,
  authenticatorFromConfig,
  verificationKeyFromConfig,
} from './auth/verify.ts';
export type { Authenticator, VerificationKey, JwtAuthenticatorOptions, AuthConfig } from './auth/verify.ts';
export {
  createTokenIssuer,
  generateSigningKeyPair,
  loadOrCreateSigningKey,
  readSigningKey,
  TOKEN_ALG,
  PRIVATE_KEY_FILE,
  PUBLIC_KEY_FILE,
} from './auth/keys.ts';
export type { SigningKeyPair, StoredSigningKey, TokenIssuer, TokenIssuerOptions } from './auth/keys.ts';
export { E_SIGNATURE_AUDIENCE, E_SIGNATURE_TYP, ESignatureClaims, createESignatureVerifier, eSignatureErrors, eSignatureVerifierFromConfig, issueESignature, verifyESignature, type ESignatureExpectation, type ESignatureIssueOptions, type ESignatureVerifier, type ESignatureVerifierOptions, type VerifiedESignature } from './auth/e-signature.ts';
export { registerDeadLetterRoutes, deadLetterView } from './admin/dead-letters.ts';
export { loadTokenKeys, rotateTokenKey, publishedJwks, staticTokenKeys, watchTokenKeys, fileStamp, PREVIOUS_KEYS_FILE } from './auth/key-rotation.ts';
export type { TokenKeys, PreviousTokenKey, TokenKeyRotation, TokenKeySource, WatchTokenKeysOptions } from './auth/key-rotation.ts';
