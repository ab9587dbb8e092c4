// Cases and the agencies that submit them. A case is opened once and corrected by new versions
// (the store keeps the old ones); the decider only decides whether it may be opened.
import type { CreateAgencyBody, Investigator, OpenCaseBody } from '@tamga/contracts';
import { IntakeErrors } from './errors.ts';
import { formatCaseNo } from './lab-number.ts';

export interface Agency extends CreateAgencyBody {
  investigators: (Investigator & { investigatorId: string })[];
  createdAt: string;
}

export interface CaseRecord extends OpenCaseBody {
  /** `<LAB>-<YYYY>-<NNNNNN>`: the prefix every item of the case shares. */
  caseId: string;
  lab: string;
  year: number;
  caseSeq: number;
  /** How many items were received into the case (the last item sequence used). */
  itemCount: number;
  openedAt: string;
  openedBy: { userId: string; name: string };
}

export interface OpenCase {
  body: OpenCaseBody;
  lab: string;
  /** The next value of the gap-free case counter of this lab and year. */
  caseSeq: number;
  by: { userId: string; name: string };
}

/** The year whose counter numbers a case opened at `now` (UTC, so every node agrees). */
export function caseYear(now: Date): number {
  return now.getUTCFullYear();
}

export function openCase(command: OpenCase, agency: Agency | undefined, now: Date): CaseRecord {
  if (!agency) throw IntakeErrors.INTAKE_ERR_AGENCY_NOT_FOUND(`No agency "${command.body.agencyId}"`);
  const today = now.toISOString().slice(0, 10);
  if (command.body.seizureDate > today) {
    throw IntakeErrors.INTAKE_ERR_DATE_IN_FUTURE(`Seizure date ${command.body.seizureDate} is after today (${today})`, {
      errors: [{ field: 'seizureDate', message: 'must not lie in the future' }],
    });
  }
  const year = caseYear(now);
  return {
    ...command.body,
    caseId: formatCaseNo(command.lab, year, command.caseSeq),
    lab: command.lab,
    year,
    caseSeq: command.caseSeq,
    itemCount: 0,
    openedAt: now.toISOString(),
    openedBy: command.by,
  };
}

export function createAgency(body: CreateAgencyBody, now: Date): Agency {
  return { ...body, investigators: [], createdAt: now.toISOString() };
}

export function addInvestigator(agency: Agency, investigator: Investigator & { investigatorId: string }): Agency {
  const others = agency.investigators.filter((i) => i.investigatorId !== investigator.investigatorId);
  return { ...agency, investigators: [...others, investigator] };
}
