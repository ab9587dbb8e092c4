// The portal's error catalogue: sign-in, accounts, sessions and the API gateway.
import { errorCatalogue } from '@tamga/contracts';

export const portalErrors = errorCatalogue({
  PORTAL_ERR_BAD_CREDENTIALS: [401, 'The username or password is wrong'],
  PORTAL_ERR_LOCKED: [423, 'The account is locked after too many failed sign-ins; try later or ask an administrator'],
  PORTAL_ERR_DISABLED: [403, 'The account is disabled'],
  PORTAL_ERR_NO_SESSION: [401, 'There is no valid session; sign in again'],
  PORTAL_ERR_WEAK_PASSWORD: [400, 'The new password does not meet the password policy'],
  PORTAL_ERR_USERNAME_TAKEN: [409, 'That username is taken'],
  PORTAL_ERR_USER_NOT_FOUND: [404, 'No such user'],
  PORTAL_ERR_AGENCY_NOT_FOUND: [404, 'No such agency'],
  PORTAL_ERR_AGENCY_EXISTS: [409, 'An agency with that id exists'],
  PORTAL_ERR_INVALID_USER: [400, 'The user record is inconsistent'],
  PORTAL_ERR_LAST_ADMIN: [409, 'The last active administrator cannot be disabled or lose the admin role'],
  PORTAL_ERR_WITNESS_SELF: [422, 'A witness must be another person than the signer'],
  PORTAL_ERR_WITNESS_ROLE: [403, 'Only lab staff may witness'],
  PORTAL_ERR_UPSTREAM_UNAVAILABLE: [503, 'That part of the system is not available'],
});
