// Who may see and touch what. Roles come from the token; scope is the work item's assignment.
// Investigators never see raw analytical work: no analysis route admits them.
import type { Principal, Role } from '@tamga/contracts';
import { AnalysisErrors } from '../domain/errors.ts';
import { visibilityOf } from '../domain/work-item.ts';
import type { Actor } from '../domain/work-item.ts';
import type { WorkItemDoc } from '../store/collections.ts';

export const ANALYSTS: readonly Role[] = ['analyst'];
export const REVIEWERS: readonly Role[] = ['reviewer', 'qa_manager'];
/** Everyone who may see analytical work: not technicians, not investigators. */
export const ANALYTICAL_STAFF: readonly Role[] = ['analyst', 'reviewer', 'qa_manager', 'admin'];
export const LIBRARY_KEEPERS: readonly Role[] = ['qa_manager', 'admin'];

export function actorFrom(p: Principal): Actor {
  return { id: p.sub, name: p.name, roles: p.roles };
}

function supervises(p: Principal): boolean {
  return p.roles.some((r) => r === 'reviewer' || r === 'qa_manager' || r === 'admin');
}

/** The `visibleTo` values a caller may see; undefined when they see every item. */
export function visibleScopes(p: Principal): string[] | undefined {
  return supervises(p) ? undefined : ['queue', `analyst:${p.sub}`];
}

/** Analysts see the queue and their own items; reviewers, QA and admins see every item. */
export function canSee(p: Principal, item: WorkItemDoc): boolean {
  const scopes = visibleScopes(p);
  return scopes === undefined || scopes.includes(visibilityOf(item));
}

export function assertCanSee(p: Principal, item: WorkItemDoc): void {
  if (!canSee(p, item)) throw AnalysisErrors.ANALYSIS_ERR_NOT_ASSIGNED('this work item is assigned to another analyst');
}

export function assertAssignee(p: Principal, item: WorkItemDoc): void {
  if (item.analyst?.id !== p.sub) {
    throw AnalysisErrors.ANALYSIS_ERR_NOT_ASSIGNED(
      item.analyst === undefined ? 'claim the work item first' : 'this work item is assigned to another analyst',
    );
  }
}
