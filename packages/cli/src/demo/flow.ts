// One evidence item through the whole lab over HTTP, as the people of the lab would do it:
// the technician registers the item and asks for analysis; the analyst claims the work item,
// uploads a spectrum, searches the library and records findings (SWGDRUG: MS, Category A, with
// the library hit, plus GC retention, Category B); a second person, the reviewer, approves with
// an e-signature; reporting issues the signed report, which is downloaded.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { signedActs } from '@tamga/contracts';
import { DemoErrors } from './errors.ts';
import { callService, type ServiceCall } from './http.ts';
import { DEMO_LIBRARY, demoLibraryMsp, demoQueryMsp } from './library.ts';
import type { DemoRole, ESigner, TokenMinter } from './tokens.ts';

export interface LabUrls {
  intake: string;
  analysis: string;
  reporting: string;
}

/** The steps of the flow, in order; `onStep` is called after each. */
export type FlowStep =
  | 'agency-ready'
  | 'case-opened'
  | 'item-received'
  | 'analysis-requested'
  | 'library-ready'
  | 'work-item-queued'
  | 'work-item-claimed'
  | 'spectrum-uploaded'
  | 'findings-recorded'
  | 'submitted'
  | 'approved'
  | 'report-issued';

export interface FlowProgress {
  caseId?: string;
  labNo?: string;
  workItemId?: string;
  reportNumber?: string;
}

export interface FlowOptions {
  urls: LabUrls;
  /** A bearer token per role, or a function that mints one. */
  tokens: TokenMinter | Readonly<Record<DemoRole, string>>;
  /** E-signatures for the signed acts (the item's receipt): the portal's route, or the demo's key. */
  eSign: ESigner;
  /** A spectrum file of the exhibit (MSP, JCAMP-DX, mzML, CSV); default: a noisy demo spectrum. */
  spectrumFile?: string;
  /** A reference library (MSP) to import; default: the synthetic demo library. */
  libraryFile?: string;
  /** The submitting agency (created when absent). */
  agencyId?: string;
  log?: (line: string) => void;
  /** Called after each step; the flow waits for it (tests use it to kill a service mid-flow). */
  onStep?: (step: FlowStep, progress: Readonly<FlowProgress>) => void | Promise<void>;
  /** How long to wait for the work item and for the report (default 60 s each). */
  timeoutMs?: number;
}

export interface FlowResult {
  caseId: string;
  labNo: string;
  workItemId: string;
  spectrumId: string;
  substance: string;
  library: { name: string; version: string };
  reportNumber: string;
  pdf: Uint8Array;
}

interface Hit {
  rank: number;
  name: string;
  mf: number;
}
interface SpectrumUpload {
  id: string;
  spectra: { search: { library: { name: string; version: string }; hits: Hit[] } }[];
}
interface WorkItemView {
  id: string;
  labNo: string;
  status: string;
}
interface ReportView {
  reportNumber: string;
  status: string;
}

/** The `name` claim of a JWT (the printed name an e-signature must carry). */
function nameInToken(token: string): string {
  const payload = token.split('.')[1] ?? '';
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { name?: unknown };
  if (typeof claims.name !== 'string') throw new TypeError('the reviewer token carries no name claim');
  return claims.name;
}

function isoDateDaysAgo(days: number): string {
  return new Date(Date.now() - days * 86_400_000).toISOString().slice(0, 10);
}

async function poll<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw DemoErrors.DEMO_ERR_TIMEOUT(`no ${what} after ${Math.round(timeoutMs / 1000)} s`);
    await sleep(250);
  }
}

export async function runItemThroughLab(options: FlowOptions): Promise<FlowResult> {
  const { urls } = options;
  const log = options.log ?? (() => undefined);
  const timeoutMs = options.timeoutMs ?? 60_000;
  const agencyId = options.agencyId ?? 'demo-police';
  const tokens = options.tokens;
  const token = (role: DemoRole): Promise<string> =>
    typeof tokens === 'function' ? tokens(role) : Promise.resolve(tokens[role]);
  const as = async (role: DemoRole, base: string, call: Omit<ServiceCall, 'token'>) =>
    callService(base, { ...call, token: await token(role) });
  const progress: FlowProgress = {};
  const step = async (name: FlowStep, line: string): Promise<void> => {
    log(line);
    await options.onStep?.(name, { ...progress });
  };

  // ---- intake: agency, case, item, analysis request (technician)
  const agency = await as('technician', urls.intake, {
    method: 'POST',
    path: '/v1/agencies',
    json: { agencyId, name: 'Demo City Police Department', kind: 'police' },
    expect: [201, 409],
  });
  await step('agency-ready', `agency ${agencyId} ${agency.status === 201 ? 'created' : 'already registered'}`);

  const opened = await as('technician', urls.intake, {
    method: 'POST',
    path: '/v1/cases',
    json: {
      agencyId,
      agencyCaseNumber: `DEMO-${Date.now().toString(36).toUpperCase()}`,
      investigator: { name: 'Det. Insp. Demo', rank: 'inspector', contact: '+000 00 000 00 00' },
      offence: 'possession of a controlled substance (demonstration case)',
      jurisdiction: 'Demo district',
      seizureDate: isoDateDaysAgo(2),
      request: 'Identify any controlled substance in the exhibit.',
    },
    expect: [201],
  });
  const caseId = opened.json<{ caseId: string }>().caseId;
  progress.caseId = caseId;
  await step('case-opened', `case ${caseId} opened`);

  const seal = `DS-${Date.now().toString().slice(-6)}`;
  // The receipt is e-signed: the purpose names the exhibit and the case, as intake expects.
  const exhibitNo = 'Exhibit 1';
  const receiptSignature = await options.eSign('technician', signedActs.receive(caseId, exhibitNo));
  const received = await as('technician', urls.intake, {
    method: 'POST',
    path: `/v1/cases/${encodeURIComponent(caseId)}/items`,
    json: {
      exhibitNo,
      description: 'Plastic bag with white powder',
      packaging: 'sealed paper envelope',
      seals: [{ number: seal, intact: true }],
      grossWeight: { grams: 3.5123, balanceId: 'BAL-DEMO-1' },
      unitCount: 1,
      condition: 'sealed, seal intact',
      deliveredBy: { name: 'Sgt. Demo Courier', organisation: 'Demo City Police Department' },
      eSignature: receiptSignature,
    },
    expect: [201],
  });
  const labNo = received.json<{ labNo: string }>().labNo;
  progress.labNo = labNo;
  await step('item-received', `item ${labNo} received under seal ${seal}`);

  // Sending the item for analysis releases it from the technician: e-signed like every custody act.
  const sendSignature = await options.eSign('technician', signedActs.sendForAnalysis(labNo));
  await as('technician', urls.intake, {
    method: 'POST',
    path: `/v1/items/${encodeURIComponent(labNo)}/analysis-requests`,
    json: { determinations: ['identification'], priority: 'routine', eSignature: sendSignature },
    expect: [201],
  });
  await step('analysis-requested', `analysis of ${labNo} requested`);

  // ---- analysis: a reference library (QA manager), then the work item (analyst)
  const library =
    options.libraryFile === undefined
      ? { ...DEMO_LIBRARY, bytes: new TextEncoder().encode(demoLibraryMsp()) }
      : await libraryFromFile(options.libraryFile);
  const imported = await as('librarian', urls.analysis, {
    method: 'POST',
    path: `/v1/libraries?name=${encodeURIComponent(library.name)}&version=${encodeURIComponent(library.version)}`,
    raw: { bytes: library.bytes, contentType: 'chemical/x-msp' },
    expect: [201, 409],
  });
  if (imported.status === 409 && imported.json().code !== 'ANALYSIS_ERR_LIBRARY_EXISTS') {
    throw DemoErrors.DEMO_ERR_UNEXPECTED_RESPONSE(
      `POST /v1/libraries answered 409: ${new TextDecoder().decode(imported.body)}`,
    );
  }
  await step(
    'library-ready',
    `library ${library.name} ${library.version} ${imported.status === 201 ? 'imported' : 'already imported'}`,
  );

  const workItem = await poll(`work item for ${labNo}`, timeoutMs, async () => {
    const res = await as('analyst', urls.analysis, { method: 'GET', path: '/v1/work-items?status=queued&limit=500' });
    return res.json<{ items: WorkItemView[] }>().items.find((w) => w.labNo === labNo);
  });
  progress.workItemId = workItem.id;
  await step('work-item-queued', `work item ${workItem.id} queued for ${labNo}`);
  const workItemPath = `/v1/work-items/${encodeURIComponent(workItem.id)}`;

  await as('analyst', urls.analysis, { method: 'POST', path: `${workItemPath}/assignment`, json: {} });
  await step('work-item-claimed', `work item claimed by the analyst`);

  const spectrum =
    options.spectrumFile === undefined
      ? { filename: 'demo-run-1.msp', bytes: new TextEncoder().encode(demoQueryMsp()) }
      : { filename: basename(options.spectrumFile), bytes: new Uint8Array(await readFile(options.spectrumFile)) };
  const uploaded = await as('analyst', urls.analysis, {
    method: 'POST',
    path: `${workItemPath}/spectra?filename=${encodeURIComponent(spectrum.filename)}&instrument=GCMS-DEMO-1&method=SOP-GCMS-01&injectionId=INJ-1&retentionTime=7.42`,
    raw: { bytes: spectrum.bytes, contentType: 'application/octet-stream' },
    expect: [201],
  });
  const upload = uploaded.json<SpectrumUpload>();
  const search = upload.spectra[0]?.search;
  const best = search?.hits.find((h) => h.rank === 1);
  if (search === undefined || best === undefined)
    throw DemoErrors.DEMO_ERR_NO_HIT(`${spectrum.filename} gave no hit in the current library`);
  await step(
    'spectrum-uploaded',
    `spectrum ${upload.id} searched in ${search.library.name} ${search.library.version}: best hit ${best.name} (MF ${Math.round(best.mf)})`,
  );
  if (options.libraryFile === undefined && search.library.name !== library.name) {
    log(`note: the analysis service searches its newest library, ${search.library.name}, not the demo library`);
  }

  await as('analyst', urls.analysis, {
    method: 'POST',
    path: `${workItemPath}/findings`,
    json: {
      sop: { id: 'SOP-GCMS-01', version: '1' },
      conclusion: 'identified',
      substance: best.name,
      hit: { spectrumId: upload.id, rank: best.rank },
      techniques: [
        { technique: 'MS', result: 'positive', spectrumId: upload.id, instrument: 'GCMS-DEMO-1' },
        {
          technique: 'GC',
          result: 'positive',
          instrument: 'GCMS-DEMO-1',
          notes: 'retention time matches the reference run',
        },
      ],
      qc: [
        { kind: 'blank', reference: 'BLANK-DEMO-1', passed: true },
        { kind: 'tune_check', reference: 'PFTBA tune (demo)', passed: true },
      ],
    },
    expect: [201],
  });
  await step(
    'findings-recorded',
    `findings recorded: ${best.name} identified (MS, Category A, with GC retention, Category B)`,
  );

  await as('analyst', urls.analysis, { method: 'POST', path: `${workItemPath}/submission` });
  await step('submitted', 'result submitted for technical review');

  const reviewerName = nameInToken(await token('reviewer'));
  await as('reviewer', urls.analysis, {
    method: 'POST',
    path: `${workItemPath}/review`,
    json: {
      decision: 'approve',
      signature: { printedName: reviewerName, meaning: 'Technical review: results verified and approved' },
      // The reviewer's e-signature from the portal: meaning "approved", for this work item only.
      eSignature: await options.eSign('reviewer', signedActs.approve(workItem.id)),
    },
  });
  await step('approved', `result approved and signed by ${reviewerName}`);

  // ---- reporting: the report issued from events, then its signed PDF
  const report = await poll(`report for ${labNo}`, timeoutMs, async () => {
    const res = await as('reviewer', urls.reporting, {
      method: 'GET',
      path: `/v1/reports?labNo=${encodeURIComponent(labNo)}&status=current`,
    });
    return res.json<{ reports: ReportView[] }>().reports[0];
  });
  progress.reportNumber = report.reportNumber;
  const pdf = await as('reviewer', urls.reporting, {
    method: 'GET',
    path: `/v1/reports/${encodeURIComponent(report.reportNumber)}/pdf`,
    expect: [200],
  });
  await step('report-issued', `report ${report.reportNumber} issued (${pdf.body.length} bytes)`);

  return {
    caseId,
    labNo,
    workItemId: workItem.id,
    spectrumId: upload.id,
    substance: best.name,
    library: search.library,
    reportNumber: report.reportNumber,
    pdf: pdf.body,
  };
}

/** A library file is named after itself and versioned by its content, so importing it twice is harmless. */
async function libraryFromFile(file: string): Promise<{ name: string; version: string; bytes: Uint8Array }> {
  const bytes = new Uint8Array(await readFile(file));
  const name = basename(file, extname(file)).replace(/[^A-Za-z0-9._-]/g, '-') || 'library';
  return { name, version: createHash('sha256').update(bytes).digest('hex').slice(0, 12), bytes };
}
