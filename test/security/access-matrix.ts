// Who may call what: every route of every service, declared once, as data. The access-matrix
// test walks each route with each subject and checks the answer against this table; the fuzz
// test reads it to pick a caller that gets past the role check. A route the apps register that
// this table does not name fails the test, so no route goes live unchecked.
//
// "Allowed" means the caller is let through: any answer but 401/403 (a 404 or 409 is allowed,
// it came from past the door). "Denied" is 401 without a token and 403 with one.
// An agency-scoped route allows `investigator-own` (an investigator of the item's agency) and
// not `investigator-other`.
import { SUBJECTS, type Fixtures, type ServiceName, type Subject } from './lab.ts';

export interface RouteAccess {
  service: ServiceName;
  method: string;
  url: string;
  allow: readonly Subject[];
  /** The concrete path to call, when filling in parameters is not enough. */
  path?: (f: Fixtures) => string;
  /** Routes whose credential is not the bearer token answer every denial with this status. */
  deniedWith?: 401;
  /** Path parameters beyond the defaults of `defaultParams` (e.g. which record `:id` names). */
  params?: (f: Fixtures) => Record<string, string>;
  query?: (f: Fixtures) => string;
  /** JSON body sent by the matrix walk (default `{}`); denials happen before the body is read. */
  body?: (f: Fixtures) => unknown;
  /** For lists filtered by agency: strings the response must not contain for a subject outside the agency. */
  hiddenFromOtherAgency?: (f: Fixtures) => string[];
  /** For the portal's gateway: the upstream route a request through it reaches; its row is the expectation. */
  reaches?: { service: ServiceName; method: string; url: string; path: (f: Fixtures) => string };
  /** A 4xx that changes state by design (the fuzz test allows it); say why. */
  changesStateOn4xx?: string;
  /** Why the app may not have this route (a missing table row is an error, a missing route is not then). */
  optional?: string;
  note?: string;
}

const LAB_STAFF = ['technician', 'analyst', 'reviewer', 'qa_manager', 'admin'] as const satisfies readonly Subject[];
/** Lab staff and an investigator of the record's own agency. */
const STAFF_AND_OWN_AGENCY: readonly Subject[] = [...LAB_STAFF, 'investigator-own'];
/** Lab staff and every investigator; the answer itself is filtered to the caller's agency. */
const STAFF_AND_INVESTIGATORS: readonly Subject[] = [...LAB_STAFF, 'investigator-own', 'investigator-other'];
const SIGNED_IN: readonly Subject[] = SUBJECTS.filter((s) => s !== 'anonymous');
const ANYONE: readonly Subject[] = SUBJECTS;
const INTAKE_STAFF: readonly Subject[] = ['technician', 'admin'];
const CUSTODY_STAFF: readonly Subject[] = ['technician', 'analyst', 'admin'];
const ANALYTICAL_STAFF: readonly Subject[] = ['analyst', 'reviewer', 'qa_manager', 'admin'];
const LIBRARY_KEEPERS: readonly Subject[] = ['qa_manager', 'admin'];

/** What a `:name` in a route's path is filled with, unless the route says otherwise. */
export function defaultParams(f: Fixtures): Record<string, string> {
  return {
    agencyId: f.agencyId,
    caseId: f.caseId,
    labNo: f.labNo,
    code: f.labNo,
    transferId: f.transferId,
    deviationId: f.deviationId,
    reportNumber: f.reportNumber,
    userId: f.userId,
    name: f.library.name,
    version: f.library.version,
  };
}

const workItem = (f: Fixtures) => ({ id: f.workItemId });
const result = (f: Fixtures) => ({ id: f.resultId });
const spectrum = (f: Fixtures) => ({ id: f.spectrumId });

const health = (service: ServiceName): RouteAccess[] => [
  { service, method: 'GET', url: '/health', allow: ANYONE },
  { service, method: 'GET', url: '/ready', allow: ANYONE },
];

/** Every event-consuming service shows its dead letters to the admin and replays one on request. */
const deadLetterAdmin = (service: 'intake' | 'analysis' | 'reporting'): RouteAccess[] => [
  { service, method: 'GET', url: '/v1/admin/dead-letters', allow: ['admin'] },
  // No dead letter in the fixture: the admin gets past the door to a 404.
  { service, method: 'POST', url: '/v1/admin/dead-letters/:id/replay', allow: ['admin'], params: () => ({ id: '999999' }) },
];

/** The portal forwards /api/<service>/* to that service, which checks the token itself. */
function gateway(service: 'intake' | 'analysis' | 'reporting', get: NonNullable<RouteAccess['reaches']>, post: NonNullable<RouteAccess['reaches']>): RouteAccess[] {
  const prefix = `/api/${service}`;
  const rows: RouteAccess[] = [];
  for (const url of [prefix, `${prefix}/*`]) {
    for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']) {
      const reaches = url === prefix ? undefined : method === 'GET' ? get : method === 'POST' ? post : undefined;
      rows.push({
        service: 'portal',
        method,
        url,
        allow: ANYONE,
        ...(reaches === undefined ? { note: `no ${service} route answers ${method} here: 404 for everyone` } : { reaches }),
      });
    }
  }
  return rows;
}

export const ACCESS_MATRIX: readonly RouteAccess[] = [
  // ------------------------------------------------------------------ intake
  ...health('intake'),
  { service: 'intake', method: 'POST', url: '/v1/agencies', allow: INTAKE_STAFF },
  { service: 'intake', method: 'GET', url: '/v1/agencies/:agencyId', allow: STAFF_AND_OWN_AGENCY },
  { service: 'intake', method: 'POST', url: '/v1/agencies/:agencyId/investigators', allow: INTAKE_STAFF },
  { service: 'intake', method: 'POST', url: '/v1/cases', allow: INTAKE_STAFF },
  { service: 'intake', method: 'GET', url: '/v1/cases', allow: STAFF_AND_INVESTIGATORS, hiddenFromOtherAgency: (f) => [f.caseId] },
  { service: 'intake', method: 'GET', url: '/v1/cases/:caseId', allow: STAFF_AND_OWN_AGENCY },
  { service: 'intake', method: 'POST', url: '/v1/cases/:caseId/items', allow: INTAKE_STAFF },
  { service: 'intake', method: 'GET', url: '/v1/items/by-barcode/:code', allow: STAFF_AND_OWN_AGENCY },
  { service: 'intake', method: 'GET', url: '/v1/items/:labNo', allow: STAFF_AND_OWN_AGENCY },
  { service: 'intake', method: 'POST', url: '/v1/items/:labNo/custody', allow: CUSTODY_STAFF },
  { service: 'intake', method: 'POST', url: '/v1/items/:labNo/transfers', allow: CUSTODY_STAFF },
  // Custody staff by role, and then only the person the transfer is offered to (the analyst in the fixture).
  { service: 'intake', method: 'POST', url: '/v1/items/:labNo/transfers/:transferId/accept', allow: ['analyst'], note: 'recipient only' },
  { service: 'intake', method: 'POST', url: '/v1/items/:labNo/transfers/:transferId/decline', allow: ['analyst'], note: 'recipient only', params: (f) => ({ labNo: f.secondLabNo, transferId: f.secondTransferId }) },
  { service: 'intake', method: 'POST', url: '/v1/items/:labNo/sub-samples', allow: CUSTODY_STAFF },
  { service: 'intake', method: 'GET', url: '/v1/items/:labNo/custody', allow: STAFF_AND_OWN_AGENCY },
  {
    service: 'intake',
    method: 'GET',
    url: '/v1/custody/checkpoint',
    allow: STAFF_AND_INVESTIGATORS,
    note: 'the signed log head and consistency proofs name no item: any investigator may audit the log',
  },
  { service: 'intake', method: 'GET', url: '/v1/items/:labNo/audit', allow: ['technician', 'qa_manager', 'admin'] },
  { service: 'intake', method: 'POST', url: '/v1/items/:labNo/deviations', allow: INTAKE_STAFF },
  { service: 'intake', method: 'POST', url: '/v1/items/:labNo/deviations/:deviationId/resolve', allow: INTAKE_STAFF },
  { service: 'intake', method: 'POST', url: '/v1/items/:labNo/analysis-requests', allow: INTAKE_STAFF },
  { service: 'intake', method: 'GET', url: '/v1/items/:labNo/label.pdf', allow: STAFF_AND_OWN_AGENCY },
  { service: 'intake', method: 'GET', url: '/v1/items/:labNo/label.png', allow: STAFF_AND_OWN_AGENCY },
  { service: 'intake', method: 'GET', url: '/v1/labels/sheet.pdf', allow: INTAKE_STAFF, query: (f) => `labNos=${f.labNo}` },
  { service: 'intake', method: 'POST', url: '/v1/locations', allow: INTAKE_STAFF },
  { service: 'intake', method: 'GET', url: '/v1/locations', allow: CUSTODY_STAFF },
  ...deadLetterAdmin('intake'),
  { service: 'intake', method: 'POST', url: '/v1/items/:labNo/destruction/witness', allow: LAB_STAFF, note: 'any lab staff may witness; the decider refuses the proposer' },
  { service: 'intake', method: 'GET', url: '/v1/inventory', allow: LAB_STAFF, note: 'lab-wide; investigators use their agency-scoped case and item routes' },
  { service: 'intake', method: 'POST', url: '/v1/items/:labNo/photos', allow: INTAKE_STAFF, note: 'the image is the raw body; the walk sends JSON, so allowed callers get 415' },
  { service: 'intake', method: 'POST', url: '/v1/cases/:caseId/photos', allow: INTAKE_STAFF, note: 'photos taken at receipt; raw image body, so allowed callers get 415 from the walk' },
  { service: 'intake', method: 'GET', url: '/v1/items/:labNo/photos', allow: STAFF_AND_OWN_AGENCY },
  { service: 'intake', method: 'GET', url: '/v1/items/:labNo/photos/:photoId', allow: STAFF_AND_OWN_AGENCY, params: (f) => ({ photoId: f.photoId }) },

  // ------------------------------------------------------------------ analysis: investigators and technicians never see analytical work
  ...health('analysis'),
  { service: 'analysis', method: 'GET', url: '/v1/work-items', allow: ANALYTICAL_STAFF },
  { service: 'analysis', method: 'GET', url: '/v1/results', allow: ANALYTICAL_STAFF, note: 'analysts get the results of their own work only (filtered in the store query)' },
  { service: 'analysis', method: 'GET', url: '/v1/work-items/:id', allow: ANALYTICAL_STAFF, params: workItem },
  { service: 'analysis', method: 'POST', url: '/v1/work-items/:id/assignment', allow: ANALYTICAL_STAFF, params: workItem },
  { service: 'analysis', method: 'POST', url: '/v1/work-items/:id/findings', allow: ['analyst'], params: workItem },
  { service: 'analysis', method: 'POST', url: '/v1/work-items/:id/opinions', allow: ANALYTICAL_STAFF, params: workItem },
  { service: 'analysis', method: 'POST', url: '/v1/work-items/:id/submission', allow: ['analyst'], params: workItem },
  { service: 'analysis', method: 'POST', url: '/v1/work-items/:id/review', allow: ['reviewer', 'qa_manager'], params: workItem },
  { service: 'analysis', method: 'GET', url: '/v1/results/:id', allow: ANALYTICAL_STAFF, params: result },
  { service: 'analysis', method: 'POST', url: '/v1/results/:id/corrections', allow: ['analyst', 'qa_manager'], params: result },
  { service: 'analysis', method: 'GET', url: '/v1/work-items/:id/audit', allow: ['reviewer', 'qa_manager', 'admin'], params: workItem },
  { service: 'analysis', method: 'GET', url: '/v1/work-items/:id/spectra', allow: ANALYTICAL_STAFF, params: workItem },
  { service: 'analysis', method: 'GET', url: '/v1/spectra/:id', allow: ANALYTICAL_STAFF, params: spectrum },
  { service: 'analysis', method: 'GET', url: '/v1/spectra/:id/raw', allow: ANALYTICAL_STAFF, params: spectrum },
  { service: 'analysis', method: 'GET', url: '/v1/spectra/:id/mirror-plot.svg', allow: ANALYTICAL_STAFF, params: spectrum },
  { service: 'analysis', method: 'GET', url: '/v1/libraries', allow: ANALYTICAL_STAFF },
  { service: 'analysis', method: 'POST', url: '/v1/work-items/:id/spectra', allow: ['analyst'], params: workItem, query: () => 'filename=x.msp' },
  { service: 'analysis', method: 'POST', url: '/v1/libraries', allow: LIBRARY_KEEPERS },
  { service: 'analysis', method: 'POST', url: '/v1/libraries/:name/versions/:version/crm-spectra', allow: LIBRARY_KEEPERS },
  ...deadLetterAdmin('analysis'),

  // ------------------------------------------------------------------ reporting
  ...health('reporting'),
  { service: 'reporting', method: 'GET', url: '/v1/reports', allow: STAFF_AND_INVESTIGATORS, hiddenFromOtherAgency: (f) => [f.reportNumber] },
  { service: 'reporting', method: 'GET', url: '/v1/reports/:reportNumber', allow: STAFF_AND_OWN_AGENCY },
  { service: 'reporting', method: 'GET', url: '/v1/reports/:reportNumber/pdf', allow: STAFF_AND_OWN_AGENCY },
  { service: 'reporting', method: 'GET', url: '/v1/reports/:reportNumber/p7s', allow: STAFF_AND_OWN_AGENCY },
  { service: 'reporting', method: 'GET', url: '/v1/reports/:reportNumber/access', allow: ['qa_manager', 'admin'] },
  { service: 'reporting', method: 'POST', url: '/v1/reports/:reportNumber/withdrawals', allow: ['qa_manager'] },
  { service: 'reporting', method: 'POST', url: '/v1/reports/:reportNumber/amendments', allow: ['qa_manager'] },
  { service: 'reporting', method: 'POST', url: '/v1/verifications', allow: ANYONE, note: 'public: anyone holding a report may check it' },
  { service: 'reporting', method: 'GET', url: '/v1/verifications', allow: ANYONE, query: (f) => `reportNumber=${f.reportNumber}&sha256=${'0'.repeat(64)}` },
  { service: 'reporting', method: 'GET', url: '/v1/verifications/:reportNumber', allow: ANYONE, note: 'public: what the QR code on a report opens (status only, no content)' },
  { service: 'reporting', method: 'GET', url: '/v1/lab/ca.pem', allow: ANYONE },
  ...deadLetterAdmin('reporting'),

  // ------------------------------------------------------------------ portal
  ...health('portal'),
  { service: 'portal', method: 'GET', url: '/.well-known/jwks.json', allow: ANYONE },
  { service: 'portal', method: 'GET', url: '/v1/ui-config', allow: ANYONE },
  { service: 'portal', method: 'POST', url: '/v1/sessions', allow: ANYONE, changesStateOn4xx: 'a failed sign-in counts towards the lockout and is audited' },
  { service: 'portal', method: 'POST', url: '/v1/sessions/refresh', allow: [], deniedWith: 401, note: 'the refresh cookie is the credential, not a bearer token: none is sent here' },
  { service: 'portal', method: 'DELETE', url: '/v1/sessions/current', allow: ANYONE, note: 'the refresh cookie is the credential' },
  { service: 'portal', method: 'GET', url: '/v1/me', allow: SIGNED_IN },
  { service: 'portal', method: 'PUT', url: '/v1/me/password', allow: SIGNED_IN, changesStateOn4xx: 'a wrong current password counts towards the lockout' },
  { service: 'portal', method: 'GET', url: '/v1/agencies', allow: SIGNED_IN, note: 'agency names and kinds only: the sign-up and filter lists' },
  { service: 'portal', method: 'POST', url: '/v1/agencies', allow: ['admin'] },
  { service: 'portal', method: 'GET', url: '/v1/people', allow: LAB_STAFF, note: 'whom an item can be handed to: staff names and roles, no investigators' },
  { service: 'portal', method: 'GET', url: '/v1/users', allow: ['admin'] },
  { service: 'portal', method: 'GET', url: '/v1/users/:userId', allow: ['admin'] },
  { service: 'portal', method: 'POST', url: '/v1/users', allow: ['admin'] },
  { service: 'portal', method: 'PATCH', url: '/v1/users/:userId', allow: ['admin'] },
  { service: 'portal', method: 'POST', url: '/v1/users/:userId/unlock', allow: ['admin'] },
  { service: 'portal', method: 'POST', url: '/v1/users/:userId/password-resets', allow: ['admin'] },
  { service: 'portal', method: 'POST', url: '/v1/e-signatures', allow: SIGNED_IN, changesStateOn4xx: 'a wrong password counts towards the lockout' },
  { service: 'portal', method: 'POST', url: '/v1/e-signatures/witnesses', allow: LAB_STAFF, changesStateOn4xx: "a wrong password counts towards the witness's lockout" },
  ...gateway(
    'intake',
    { service: 'intake', method: 'GET', url: '/v1/cases/:caseId', path: (f) => `/api/intake/v1/cases/${f.caseId}` },
    { service: 'intake', method: 'POST', url: '/v1/cases', path: () => '/api/intake/v1/cases' },
  ),
  ...gateway(
    'analysis',
    { service: 'analysis', method: 'GET', url: '/v1/work-items/:id', path: (f) => `/api/analysis/v1/work-items/${f.workItemId}` },
    { service: 'analysis', method: 'POST', url: '/v1/work-items/:id/review', path: (f) => `/api/analysis/v1/work-items/${f.workItemId}/review` },
  ),
  ...gateway(
    'reporting',
    { service: 'reporting', method: 'GET', url: '/v1/reports/:reportNumber', path: (f) => `/api/reporting/v1/reports/${f.reportNumber}` },
    { service: 'reporting', method: 'POST', url: '/v1/reports/:reportNumber/withdrawals', path: (f) => `/api/reporting/v1/reports/${f.reportNumber}/withdrawals` },
  ),
  { service: 'portal', method: 'GET', url: '/*', path: () => '/', allow: ANYONE, note: 'the web UI (static files), public so the sign-in page loads', optional: 'served only when the web UI is built' },
];

export function routeKey(r: { service: string; method: string; url: string }): string {
  return `${r.service} ${r.method} ${r.url}`;
}

/** The declaration of a route; HEAD routes Fastify adds for GET routes answer as their GET does. */
export function declarationOf(r: { service: string; method: string; url: string }): RouteAccess | undefined {
  const method = r.method === 'HEAD' ? 'GET' : r.method;
  return ACCESS_MATRIX.find((d) => d.service === r.service && d.method === method && d.url === r.url);
}
