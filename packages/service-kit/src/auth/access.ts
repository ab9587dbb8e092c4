// Authorization checks shared by every service: roles and agency scope.
import { LAB_STAFF_ROLES } from '@tamga/contracts';
import type { Principal, Role } from '@tamga/contracts';
import { kitErrors } from '../errors.ts';

export function hasAnyRole(principal: Principal, roles: readonly Role[]): boolean {
  return principal.roles.some((r) => roles.includes(r));
}

/** Throws AUTH_ERR_FORBIDDEN_ROLE unless the principal holds one of `roles`. */
export function assertRole(principal: Principal, roles: readonly Role[]): void {
  if (!hasAnyRole(principal, roles)) {
    throw kitErrors.AUTH_ERR_FORBIDDEN_ROLE(`requires one of the roles: ${roles.join(', ')}`);
  }
}

/**
 * Lab staff see every agency's records; an investigator only their own agency's.
 * Throws AUTH_ERR_FORBIDDEN_AGENCY otherwise.
 */
export function assertAgencyScope(principal: Principal, agencyId: string): void {
  if (hasAnyRole(principal, LAB_STAFF_ROLES)) return;
  if (principal.roles.includes('investigator') && principal.agencyId === agencyId) return;
  throw kitErrors.AUTH_ERR_FORBIDDEN_AGENCY();
}
