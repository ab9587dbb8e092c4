// The report life cycle (ISO/IEC 17025 7.8.8): a report is issued once per approved result
// version; a later approved version, or a QA manager's amendment, issues a new report that
// names the one it replaces, which becomes superseded; a withdrawn report stays retrievable.
// Nothing is deleted. Pure: decide(command, state) -> decision, with `now` passed in.
import { reportingErrors } from './errors.ts';

export type ReportStatus = 'current' | 'superseded' | 'withdrawn';

export interface ReportState {
  reportNumber: string;
  labNo: string;
  resultId: string;
  resultVersion: number;
  status: ReportStatus;
  supersedes?: string | undefined;
  supersededBy?: string | undefined;
  withdrawal?: { reason: string; by: string; at: string } | undefined;
}

export type LifecycleCommand =
  | { kind: 'issue-for-result'; labNo: string; resultId: string; resultVersion: number }
  | { kind: 'amend'; reportNumber: string; reason: string }
  | { kind: 'withdraw'; reportNumber: string; reason: string; by: string };

export type LifecycleDecision =
  | { kind: 'nothing'; why: string }
  | { kind: 'issue'; labNo: string; resultId: string; resultVersion: number; supersedes?: { reportNumber: string; reason: string } }
  | { kind: 'withdraw'; reportNumber: string; reason: string; by: string; at: string };

/**
 * `reports` are every report of the item the command concerns (any status).
 * An approval of a result version that already has a report is a redelivery: nothing to do.
 */
export function decideLifecycle(command: LifecycleCommand, reports: readonly ReportState[], now: Date): LifecycleDecision {
  switch (command.kind) {
    case 'issue-for-result': {
      const same = reports.find((r) => r.resultId === command.resultId && r.resultVersion >= command.resultVersion);
      if (same) return { kind: 'nothing', why: `report ${same.reportNumber} already covers version ${same.resultVersion}` };
      const current = reports.find((r) => r.resultId === command.resultId && r.status === 'current');
      return {
        kind: 'issue',
        labNo: command.labNo,
        resultId: command.resultId,
        resultVersion: command.resultVersion,
        ...(current
          ? { supersedes: { reportNumber: current.reportNumber, reason: `result corrected (version ${command.resultVersion})` } }
          : {}),
      };
    }
    case 'amend': {
      const report = mustFind(reports, command.reportNumber);
      if (report.status !== 'current') throw reportingErrors.REPORTING_ERR_NOT_CURRENT(`report ${report.reportNumber} is ${report.status}`);
      return {
        kind: 'issue',
        labNo: report.labNo,
        resultId: report.resultId,
        resultVersion: report.resultVersion,
        supersedes: { reportNumber: report.reportNumber, reason: command.reason },
      };
    }
    case 'withdraw': {
      const report = mustFind(reports, command.reportNumber);
      if (report.status !== 'current') throw reportingErrors.REPORTING_ERR_NOT_CURRENT(`report ${report.reportNumber} is ${report.status}`);
      return { kind: 'withdraw', reportNumber: report.reportNumber, reason: command.reason, by: command.by, at: now.toISOString() };
    }
  }
}

function mustFind(reports: readonly ReportState[], reportNumber: string): ReportState {
  const r = reports.find((x) => x.reportNumber === reportNumber);
  if (!r) throw reportingErrors.REPORTING_ERR_REPORT_NOT_FOUND(`no report ${reportNumber}`);
  return r;
}

/** Report numbers: `<LAB>-R-<YYYY>-<NNNNNN>`, from a gap-free counter per lab and year. */
export function formatReportNumber(lab: string, year: number, seq: number): string {
  return `${lab}-R-${year}-${String(seq).padStart(6, '0')}`;
}
