// The life of a work item, as a decider: `decide(state, command)` checks the command against
// the state and returns the event it causes (or throws a typed error); `evolve(state, event)`
// applies it. Statuses: queued -> in_progress -> awaiting_review -> approved, or back to
// rejected (sent back to the analyst with reasons) -> in_progress -> awaiting_review...
// An approved result is corrected by opening a new version that names the reason; the
// approved version stays as it was.
import { AnalysisErrors } from './errors.ts';

export type WorkItemStatus = 'queued' | 'in_progress' | 'awaiting_review' | 'approved' | 'rejected';

export interface Person {
  id: string;
  name: string;
}

export interface Actor extends Person {
  roles: readonly string[];
}

export interface WorkItemState {
  status: WorkItemStatus;
  analyst?: Person | undefined;
  /** Version of the result being worked on (1 for the first; +1 per correction). */
  version: number;
  /** Findings were recorded for the current version. */
  hasFindings: boolean;
  approvedVersion?: number | undefined;
  correctionReason?: string | undefined;
  sentBackReasons?: string[] | undefined;
}

export type WorkItemCommand =
  | { kind: 'assign'; by: Actor; analyst: Person }
  | { kind: 'record_findings'; by: Actor }
  | { kind: 'submit'; by: Actor }
  | { kind: 'approve'; by: Actor }
  | { kind: 'send_back'; by: Actor; reasons: string[] }
  | { kind: 'correct'; by: Actor; reason: string };

export type WorkItemEvent =
  | { kind: 'assigned'; analyst: Person; by: Person }
  | { kind: 'findings_recorded'; by: Person }
  | { kind: 'submitted'; by: Person; version: number }
  | { kind: 'approved'; by: Person; version: number }
  | { kind: 'sent_back'; by: Person; reasons: string[] }
  | { kind: 'correction_opened'; by: Person; reason: string; version: number };

export const initialWorkItem: WorkItemState = { status: 'queued', version: 1, hasFindings: false };

const SUPERVISORS = ['reviewer', 'qa_manager', 'admin'];
const REVIEWERS = ['reviewer', 'qa_manager'];

function person(a: Actor): Person {
  return { id: a.id, name: a.name };
}

function hasRole(a: Actor, roles: readonly string[]): boolean {
  return a.roles.some((r) => roles.includes(r));
}

function requireStatus(state: WorkItemState, allowed: readonly WorkItemStatus[], action: string): void {
  if (!allowed.includes(state.status)) {
    throw AnalysisErrors.ANALYSIS_ERR_WRONG_STATUS(
      `cannot ${action} a work item that is ${state.status.replace('_', ' ')}`,
    );
  }
}

function requireAssignee(state: WorkItemState, by: Actor): void {
  if (state.analyst?.id !== by.id) {
    throw AnalysisErrors.ANALYSIS_ERR_NOT_ASSIGNED(
      state.analyst === undefined
        ? 'this work item is not assigned yet'
        : 'only the analyst the work item is assigned to may do this',
    );
  }
}

export function decide(state: WorkItemState, command: WorkItemCommand): WorkItemEvent {
  const by = command.by;
  switch (command.kind) {
    case 'assign': {
      requireStatus(state, ['queued', 'in_progress', 'rejected'], 'assign');
      // An analyst may claim an unassigned item for themselves; anyone else is assigned by a supervisor.
      const selfClaim = command.analyst.id === by.id && state.analyst === undefined && hasRole(by, ['analyst']);
      if (!selfClaim && !hasRole(by, SUPERVISORS)) {
        throw AnalysisErrors.ANALYSIS_ERR_NOT_ASSIGNED('only a reviewer, QA manager or admin assigns work to others');
      }
      return { kind: 'assigned', analyst: command.analyst, by: person(by) };
    }
    case 'record_findings':
      requireStatus(state, ['in_progress', 'rejected'], 'record findings on');
      requireAssignee(state, by);
      return { kind: 'findings_recorded', by: person(by) };
    case 'submit':
      requireStatus(state, ['in_progress', 'rejected'], 'submit');
      requireAssignee(state, by);
      if (!state.hasFindings) throw AnalysisErrors.ANALYSIS_ERR_FINDINGS_MISSING();
      return { kind: 'submitted', by: person(by), version: state.version };
    case 'approve':
    case 'send_back': {
      if (!hasRole(by, REVIEWERS))
        throw AnalysisErrors.ANALYSIS_ERR_WRONG_STATUS('only a reviewer or QA manager reviews');
      if (state.analyst?.id === by.id)
        throw AnalysisErrors.ANALYSIS_ERR_SELF_REVIEW('you did this work: a second person must review it');
      requireStatus(state, ['awaiting_review'], 'review');
      if (command.kind === 'approve') return { kind: 'approved', by: person(by), version: state.version };
      if (command.reasons.length === 0)
        throw AnalysisErrors.ANALYSIS_ERR_WRONG_STATUS('sending back needs at least one reason');
      return { kind: 'sent_back', by: person(by), reasons: command.reasons };
    }
    case 'correct':
      requireStatus(state, ['approved'], 'correct');
      if (state.analyst?.id !== by.id && !hasRole(by, ['qa_manager'])) {
        throw AnalysisErrors.ANALYSIS_ERR_NOT_ASSIGNED(
          'only the analyst of the result or the QA manager opens a correction',
        );
      }
      return { kind: 'correction_opened', by: person(by), reason: command.reason, version: state.version + 1 };
  }
}

export function evolve(state: WorkItemState, event: WorkItemEvent): WorkItemState {
  switch (event.kind) {
    case 'assigned':
      return { ...state, status: state.status === 'queued' ? 'in_progress' : state.status, analyst: event.analyst };
    case 'findings_recorded':
      return { ...state, status: 'in_progress', hasFindings: true };
    case 'submitted':
      return { ...state, status: 'awaiting_review', sentBackReasons: undefined };
    case 'approved':
      return { ...state, status: 'approved', approvedVersion: event.version };
    case 'sent_back':
      return { ...state, status: 'rejected', sentBackReasons: event.reasons };
    case 'correction_opened':
      // The findings of the approved version are the starting point; the analyst edits and resubmits.
      return { ...state, status: 'in_progress', version: event.version, correctionReason: event.reason };
  }
}

/**
 * Who besides supervisors may see a work item: `queue` (unassigned and queued: any analyst may
 * claim it), `analyst:<id>` (its analyst), or `none`. Stored on the item so lists filter in the store.
 */
export function visibilityOf(item: Pick<WorkItemState, 'analyst' | 'status'>): string {
  if (item.analyst !== undefined) return `analyst:${item.analyst.id}`;
  return item.status === 'queued' ? 'queue' : 'none';
}
