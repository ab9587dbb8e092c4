// The service-kit's error catalogue: HTTP boundary and authentication failures.
import { errorCatalogue } from '@tamga/contracts';

export const kitErrors = errorCatalogue({
  AUTH_ERR_UNAUTHENTICATED: [401, 'A valid bearer token is required'],
  AUTH_ERR_FORBIDDEN_ROLE: [403, 'Your role does not allow this'],
  AUTH_ERR_FORBIDDEN_AGENCY: [403, 'This belongs to another agency'],
  AUTH_ERR_BAD_KEY: [500, 'The token key material is unusable'],
  AUTH_ERR_KEYS_UNAVAILABLE: [503, 'The token issuer keys cannot be fetched right now'],
  HTTP_ERR_VALIDATION: [400, 'The request is invalid'],
  HTTP_ERR_MALFORMED_BODY: [400, 'The request body could not be parsed'],
  HTTP_ERR_BAD_REQUEST: [400, 'Bad request'],
  HTTP_ERR_NOT_FOUND: [404, 'No such resource'],
  HTTP_ERR_PAYLOAD_TOO_LARGE: [413, 'The request body is too large'],
  HTTP_ERR_UNSUPPORTED_MEDIA_TYPE: [415, 'Unsupported media type'],
  HTTP_ERR_IDEMPOTENCY_KEY_INVALID: [400, 'The Idempotency-Key header is malformed'],
  HTTP_ERR_IDEMPOTENCY_IN_PROGRESS: [409, 'A request with this Idempotency-Key is still being handled'],
  HTTP_ERR_IDEMPOTENCY_KEY_REUSED: [422, 'This Idempotency-Key was used for a different request'],
  HTTP_ERR_NOT_READY: [503, 'The service is not ready'],
  HTTP_ERR_INTERNAL: [500, 'An unexpected error occurred'],
  CONFIG_ERR_INVALID: [500, 'Invalid configuration'],
});
