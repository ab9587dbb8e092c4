import type { Role } from '@tamga/contracts';

/** Receiving evidence, opening cases, deviations, locations, analysis requests. */
export const INTAKE_ROLES: readonly Role[] = ['technician', 'admin'];
/** Holding and moving items: technicians, and analysts who receive items for analysis. */
export const CUSTODY_ROLES: readonly Role[] = ['technician', 'analyst', 'admin'];
/** Reading cases and items; investigators only within their own agency (checked per record). */
export const READ_ROLES: readonly Role[] = ['technician', 'analyst', 'reviewer', 'qa_manager', 'admin', 'investigator'];
/** The lab's own staff (no investigators): the lab-wide inventory. */
export const LAB_STAFF_ROLES: readonly Role[] = ['technician', 'analyst', 'reviewer', 'qa_manager', 'admin'];
/** Who may witness a destruction: any lab staff but the proposer (checked by the decider). */
export const WITNESS_ROLES: readonly Role[] = LAB_STAFF_ROLES;
