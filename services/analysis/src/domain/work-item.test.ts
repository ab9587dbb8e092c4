import { describe, expect, it } from 'vitest';
import { isDomainError } from '@tamga/contracts';
import { decide, evolve, initialWorkItem } from './work-item.ts';
import type { Actor, WorkItemCommand, WorkItemEvent, WorkItemState } from './work-item.ts';

const ana: Actor = { id: 'u-ana', name: 'Ana Lyst', roles: ['analyst'] };
const bob: Actor = { id: 'u-bob', name: 'Bob Other', roles: ['analyst'] };
const rev: Actor = { id: 'u-rev', name: 'Rita View', roles: ['reviewer'] };
const revAnalyst: Actor = { id: 'u-ana', name: 'Ana Lyst', roles: ['analyst', 'reviewer'] };
const qa: Actor = { id: 'u-qa', name: 'Quinn A', roles: ['qa_manager'] };

function given(events: WorkItemEvent[]): WorkItemState {
  return events.reduce(evolve, initialWorkItem);
}

const assigned: WorkItemEvent = {
  kind: 'assigned',
  analyst: { id: ana.id, name: ana.name },
  by: { id: ana.id, name: ana.name },
};
const findings: WorkItemEvent = { kind: 'findings_recorded', by: { id: ana.id, name: ana.name } };
const submitted: WorkItemEvent = { kind: 'submitted', by: { id: ana.id, name: ana.name }, version: 1 };
const approved: WorkItemEvent = { kind: 'approved', by: { id: rev.id, name: rev.name }, version: 1 };

describe('work item decider', () => {
  const table: { name: string; given: WorkItemEvent[]; when: WorkItemCommand; then: string }[] = [
    {
      name: 'an analyst claims a queued item',
      given: [],
      when: { kind: 'assign', by: ana, analyst: ana },
      then: 'assigned',
    },
    {
      name: 'an analyst cannot assign work to a colleague',
      given: [],
      when: { kind: 'assign', by: ana, analyst: bob },
      then: 'ANALYSIS_ERR_NOT_ASSIGNED',
    },
    {
      name: 'a reviewer assigns to an analyst',
      given: [],
      when: { kind: 'assign', by: rev, analyst: bob },
      then: 'assigned',
    },
    {
      name: 'the assignee records findings',
      given: [assigned],
      when: { kind: 'record_findings', by: ana },
      then: 'findings_recorded',
    },
    {
      name: 'someone else cannot record findings',
      given: [assigned],
      when: { kind: 'record_findings', by: bob },
      then: 'ANALYSIS_ERR_NOT_ASSIGNED',
    },
    {
      name: 'submit without findings is refused',
      given: [assigned],
      when: { kind: 'submit', by: ana },
      then: 'ANALYSIS_ERR_FINDINGS_MISSING',
    },
    { name: 'submit with findings', given: [assigned, findings], when: { kind: 'submit', by: ana }, then: 'submitted' },
    {
      name: 'a second person approves',
      given: [assigned, findings, submitted],
      when: { kind: 'approve', by: rev },
      then: 'approved',
    },
    {
      name: 'the analyst cannot approve their own work, even holding the reviewer role',
      given: [assigned, findings, submitted],
      when: { kind: 'approve', by: revAnalyst },
      then: 'ANALYSIS_ERR_SELF_REVIEW',
    },
    {
      name: 'approval before submission is refused',
      given: [assigned, findings],
      when: { kind: 'approve', by: rev },
      then: 'ANALYSIS_ERR_WRONG_STATUS',
    },
    {
      name: 'a reviewer sends back with reasons',
      given: [assigned, findings, submitted],
      when: { kind: 'send_back', by: rev, reasons: ['blank missing'] },
      then: 'sent_back',
    },
    {
      name: 'an approved result is not edited in place',
      given: [assigned, findings, submitted, approved],
      when: { kind: 'record_findings', by: ana },
      then: 'ANALYSIS_ERR_WRONG_STATUS',
    },
    {
      name: 'the QA manager opens a correction',
      given: [assigned, findings, submitted, approved],
      when: { kind: 'correct', by: qa, reason: 'typo in net weight' },
      then: 'correction_opened',
    },
    {
      name: 'a stranger cannot open a correction',
      given: [assigned, findings, submitted, approved],
      when: { kind: 'correct', by: bob, reason: 'x' },
      then: 'ANALYSIS_ERR_NOT_ASSIGNED',
    },
  ];

  for (const row of table) {
    it(row.name, () => {
      const state = given(row.given);
      if (row.then.startsWith('ANALYSIS_ERR_')) {
        try {
          decide(state, row.when);
          expect.unreachable();
        } catch (err) {
          expect(isDomainError(err, row.then)).toBe(true);
        }
      } else {
        expect(decide(state, row.when).kind).toBe(row.then);
      }
    });
  }

  it('walks queued -> in progress -> awaiting review -> rejected -> approved -> corrected as version 2', () => {
    let s = initialWorkItem;
    const step = (c: WorkItemCommand): void => {
      s = evolve(s, decide(s, c));
    };
    step({ kind: 'assign', by: ana, analyst: ana });
    expect(s.status).toBe('in_progress');
    step({ kind: 'record_findings', by: ana });
    step({ kind: 'submit', by: ana });
    expect(s.status).toBe('awaiting_review');
    step({ kind: 'send_back', by: rev, reasons: ['attach the blank'] });
    expect(s).toMatchObject({ status: 'rejected', sentBackReasons: ['attach the blank'] });
    step({ kind: 'record_findings', by: ana });
    step({ kind: 'submit', by: ana });
    step({ kind: 'approve', by: rev });
    expect(s).toMatchObject({ status: 'approved', approvedVersion: 1 });
    step({ kind: 'correct', by: ana, reason: 'wrong SOP version' });
    expect(s).toMatchObject({
      status: 'in_progress',
      version: 2,
      approvedVersion: 1,
      correctionReason: 'wrong SOP version',
    });
  });
});
