import { describe, expect, it } from 'vitest';
import { isDomainError } from '@tamga/contracts';
import { decideLifecycle, formatReportNumber, type ReportState } from './lifecycle.ts';

const now = new Date('2026-03-01T10:00:00Z');
const r1: ReportState = { reportNumber: 'LAB-R-2026-000001', labNo: 'LAB-2026-000001-01', resultId: 'res-1', resultVersion: 1, status: 'current' };

describe('report life cycle', () => {
  it('issues the first report of an approved result', () => {
    expect(decideLifecycle({ kind: 'issue-for-result', labNo: r1.labNo, resultId: 'res-1', resultVersion: 1 }, [], now)).toEqual({
      kind: 'issue',
      labNo: r1.labNo,
      resultId: 'res-1',
      resultVersion: 1,
    });
  });

  it('does nothing when the same approval is delivered again', () => {
    const d = decideLifecycle({ kind: 'issue-for-result', labNo: r1.labNo, resultId: 'res-1', resultVersion: 1 }, [r1], now);
    expect(d.kind).toBe('nothing');
  });

  it('issues an amendment naming the current report when a corrected result version is approved', () => {
    const d = decideLifecycle({ kind: 'issue-for-result', labNo: r1.labNo, resultId: 'res-1', resultVersion: 2 }, [r1], now);
    expect(d).toMatchObject({ kind: 'issue', resultVersion: 2, supersedes: { reportNumber: r1.reportNumber } });
  });

  it('lets the QA manager amend a current report with a reason', () => {
    const d = decideLifecycle({ kind: 'amend', reportNumber: r1.reportNumber, reason: 'typo in exhibit number' }, [r1], now);
    expect(d).toMatchObject({ kind: 'issue', supersedes: { reportNumber: r1.reportNumber, reason: 'typo in exhibit number' } });
  });

  it('refuses to amend or withdraw a report that is no longer current', () => {
    for (const status of ['superseded', 'withdrawn'] as const) {
      const old = { ...r1, status };
      for (const cmd of [
        { kind: 'amend' as const, reportNumber: r1.reportNumber, reason: 'x' },
        { kind: 'withdraw' as const, reportNumber: r1.reportNumber, reason: 'x', by: 'qa' },
      ]) {
        let err: unknown;
        try {
          decideLifecycle(cmd, [old], now);
        } catch (e) {
          err = e;
        }
        expect(isDomainError(err, 'REPORTING_ERR_NOT_CURRENT')).toBe(true);
      }
    }
  });

  it('withdraws a current report keeping who, why and when', () => {
    expect(decideLifecycle({ kind: 'withdraw', reportNumber: r1.reportNumber, reason: 'wrong item', by: 'qa-1' }, [r1], now)).toEqual({
      kind: 'withdraw',
      reportNumber: r1.reportNumber,
      reason: 'wrong item',
      by: 'qa-1',
      at: now.toISOString(),
    });
  });

  it('names an unknown report', () => {
    expect(() => decideLifecycle({ kind: 'amend', reportNumber: 'LAB-R-2026-999999', reason: 'x' }, [r1], now)).toThrow(/LAB-R-2026-999999/);
  });

  it('formats report numbers with a zero-padded yearly sequence', () => {
    expect(formatReportNumber('UZB', 2026, 42)).toBe('UZB-R-2026-000042');
  });
});
