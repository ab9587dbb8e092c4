// One evidence item through the lab in a real browser (Debian's Chromium driven by
// playwright-core) against the real services in this process (see lab.ts): the technician
// registers the agency, opens a case, receives an item under an e-signature, prints its label,
// asks for analysis and stores it from the scan desk; the QA manager imports a (synthetic)
// library; the analyst claims the work item, uploads a spectrum, sees the ranked hits and the
// mirror plot, records a finding with its uncertainty and submits it; the reviewer approves with
// an e-signature and waits for the report; the police investigator downloads the signed PDF and
// verifies it; the customs investigator cannot see it. Main steps are done with the keyboard.
// Screenshots of every screen: test-output/screenshots/flow-*.png.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import { findNatsServer } from '@tamga/testkit';
import { buildWeb } from '../src/index.ts';
import { QUERY_OF, startLab, syntheticLibraryMsp, syntheticQueryMsp } from './lab.ts';
import type { Lab } from './lab.ts';

const CHROMIUM = '/usr/bin/chromium';
const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const SHOTS = path.join(REPO, 'test-output', 'screenshots');
const haveChromium = existsSync(CHROMIUM);
const haveNats = process.env.NATS_URL !== undefined || findNatsServer() !== undefined;
if (!haveChromium) console.warn(`[portal flow test] skipped: ${CHROMIUM} is absent (apt-get install chromium)`);
if (!haveNats) console.warn('[portal flow test] skipped: no nats-server on PATH (apt-get install nats-server)');

describe.skipIf(!haveChromium || !haveNats)('the lab in the browser, end to end', () => {
  let webDir: string;
  let lab: Lab;
  let browser: Browser;
  const state: {
    caseId: string;
    labNo: string;
    labNo2: string;
    workUrl: string;
    reportNumber: string;
    pdf: Uint8Array;
  } = {
    workUrl: '',
    caseId: '',
    labNo: '',
    labNo2: '',
    reportNumber: '',
    pdf: new Uint8Array(),
  };

  beforeAll(async () => {
    webDir = await mkdtemp(path.join(tmpdir(), 'portal-flow-web-'));
    await buildWeb({ outDir: webDir, logLevel: 'error' });
    await mkdir(SHOTS, { recursive: true });
    lab = await startLab({ webDir });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--disable-quic',
      ],
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await lab?.stop();
    await rm(webDir, { recursive: true, force: true });
  });

  function password(username: string): string {
    return lab.portal.users[username]?.password ?? '';
  }

  /** A fresh browser context signed in as `username` with the keyboard only. */
  async function signedIn(username: string, lang: 'en' | 'ru' = 'en'): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, acceptDownloads: true });
    await context.addInitScript((l) => localStorage.setItem('tamga.lang', l), lang);
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));
    (page as Page & { problems?: string[] }).problems = problems;
    await page.goto(lab.url);
    await page.getByRole('heading', { level: 1 }).waitFor();
    await page.keyboard.type(username);
    await page.keyboard.press('Tab');
    await page.keyboard.type(password(username));
    await page.keyboard.press('Enter');
    await page.getByRole('button', { name: lang === 'en' ? 'Sign out' : 'Выйти' }).waitFor();
    return page;
  }

  /** Opens the scan desk and waits until its field has focus, as the scanner needs before it types. */
  async function atScanDesk(p: Page): Promise<void> {
    await p.getByRole('link', { name: 'Scan label' }).click();
    await p.getByRole('heading', { name: 'Scan a label' }).waitFor();
    await expect.poll(() => p.evaluate(() => document.activeElement?.getAttribute('name'))).toBe('code');
  }

  async function done(page: Page): Promise<void> {
    expect((page as Page & { problems?: string[] }).problems ?? []).toEqual([]);
    await page.context().close();
  }

  async function shot(page: Page, name: string): Promise<void> {
    await page.screenshot({ path: path.join(SHOTS, `flow-${name}.png`), fullPage: true });
  }

  /** Types the e-signature password into the dialog (it has focus) and presses Enter. */
  async function eSign(page: Page, username: string, shotName?: string): Promise<void> {
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('type'))).toBe('password');
    await page.keyboard.type(password(username));
    if (shotName !== undefined) await shot(page, shotName);
    await page.keyboard.press('Enter');
    await dialog.waitFor({ state: 'detached' });
  }

  /** The form of one act on an item at the scan desk (a disclosure named by its summary). */
  function actForm(page: Page, title: string) {
    return page.locator('details', { has: page.locator('summary', { hasText: title }) });
  }

  async function downloaded(page: Page, click: () => Promise<void>): Promise<{ name: string; bytes: Buffer }> {
    const [download] = await Promise.all([page.waitForEvent('download'), click()]);
    const file = await download.path();
    return { name: download.suggestedFilename(), bytes: await readFile(file) };
  }

  it('technician: registers the agency, opens a case, receives an item with e-signature, prints its label and asks for analysis', async () => {
    const page = await signedIn('technician');
    await page.getByRole('heading', { name: 'Cases' }).waitFor();
    await page.getByText('No cases yet.').waitFor();

    await page.getByLabel('Agency id').fill('police-central');
    await page.getByLabel('Agency name').fill('Central Police Department');
    await page.getByRole('button', { name: 'Register agency' }).click();
    await page.getByText('Agency police-central registered.').waitFor();

    await page.getByLabel('Submitting agency (id)').fill('police-central');
    await page.getByLabel('Agency case number').fill('CPD-2026/0415');
    await page.getByLabel('Investigator', { exact: true }).fill('Det. Insp. Ivan Investigator');
    await page.getByLabel('Investigator contact').fill('+998 71 000 00 00');
    await page.getByLabel('Offence').fill('possession of a controlled substance');
    await page.getByLabel('Jurisdiction').fill('Tashkent');
    await page.getByLabel('Request for analysis').fill('Identify any controlled substance and its purity.');
    await shot(page, '01-technician-open-case');
    // The connection drops after intake has opened the case but before its answer arrives: the
    // web UI sends the request again with the same Idempotency-Key and gets the first answer
    // back (the same case), instead of a second case.
    const sends: { key: string; caseId: string; replayed: string | undefined }[] = [];
    await page.route('**/api/intake/v1/cases', async (route) => {
      const request = route.request();
      if (request.method() !== 'POST') return route.continue();
      const response = await route.fetch();
      const body = (await response.json()) as { caseId: string };
      sends.push({ key: request.headers()['idempotency-key'] ?? '', caseId: body.caseId, replayed: response.headers()['idempotent-replayed'] });
      if (sends.length === 1) return route.abort('connectionreset');
      return route.fulfill({ response });
    });
    await page.getByRole('button', { name: 'Open case' }).click();
    await page.getByRole('heading', { name: /^Case / }).waitFor();
    await page.unroute('**/api/intake/v1/cases');
    state.caseId = decodeURIComponent(new URL(page.url()).hash.replace('#/cases/', ''));
    expect(state.caseId).toMatch(/\S/);
    expect(sends).toHaveLength(2);
    expect(sends[0]?.key).toMatch(/^[0-9a-f-]{36}$/);
    expect(sends[1]?.key).toBe(sends[0]?.key);
    expect(sends.map((x) => x.caseId)).toEqual([state.caseId, state.caseId]);
    expect(sends.map((x) => x.replayed)).toEqual([undefined, 'true']);

    // A server-side problem is shown next to its field: the exhibit number is blank after trimming.
    await page.getByLabel("Exhibit number (agency's)").fill('Exhibit 1');
    await page.getByLabel('Packaging').fill('sealed paper envelope');
    await page.getByLabel('Seal numbers').fill('S-100, S-101');
    await page.getByLabel('Gross weight, g').fill('3.5123');
    await page.getByLabel('Balance id').fill('BAL-1');
    await page.getByLabel('Delivered by').fill('Sgt. Courier');
    await page.getByLabel('Description').fill('Plastic bag with white powder');
    await page.getByLabel('Condition on receipt').fill('sealed, seals intact');
    // Submit from the keyboard: Enter in a field opens the e-signature dialog.
    await page.getByLabel('Delivered by').press('Enter');
    await page.getByRole('dialog').getByText('receive Exhibit 1 into').waitFor();
    await eSign(page, 'technician', '02-technician-e-signature');
    const received = page.getByRole('status').filter({ hasText: /Item .* received and signed/ });
    await received.waitFor();
    state.labNo = /Item (\S+) received/.exec((await received.textContent()) ?? '')?.[1] ?? '';
    expect(state.labNo).toMatch(/^TMG-\d{4}-\d{6}-01$/);
    const row = page.getByRole('row').filter({ hasText: state.labNo });
    await expect(row.getByRole('cell').nth(3).textContent()).resolves.toBe('S-100 (intact), S-101 (intact)');
    await expect(row.getByRole('cell').nth(4).textContent()).resolves.toBe('held by Tanya Technician');

    const label = await downloaded(page, () => row.getByRole('button', { name: `Print label ${state.labNo}` }).click());
    expect(label.name).toBe(`${state.labNo}-label.pdf`);
    expect(label.bytes.subarray(0, 5).toString()).toBe('%PDF-');
    await page.getByText(`Label of ${state.labNo} downloaded for printing.`).waitFor();

    // Sending the item for analysis releases it from the technician's hands: e-signed too.
    await row.getByRole('button', { name: `Request analysis ${state.labNo}` }).click();
    await page.getByRole('dialog').getByText(`send ${state.labNo} for analysis`).waitFor();
    await eSign(page, 'technician', '03-technician-send-for-analysis-e-signature');
    await page.getByText(`Analysis of ${state.labNo} requested.`).waitFor();
    await shot(page, '03-technician-case');
    await done(page);
  }, 60_000);

  it('technician: defines storage, then scans the label and stores the item with an e-signature, all by keyboard at the scan desk', async () => {
    const page = await signedIn('technician');
    await page.getByRole('link', { name: 'Storage' }).click();
    await page.getByRole('heading', { name: 'Storage locations' }).waitFor();
    for (const [id, kind, name, parent] of [
      ['st-main', 'store', 'Main store', ''],
      ['rm-2', 'room', 'Room 2', 'Main store'],
      ['cab-a', 'cabinet', 'Cabinet A', 'Main store / Room 2'],
    ] as const) {
      await page.getByLabel('Location id').fill(id);
      await page.getByLabel('Kind').selectOption(kind);
      await page.getByLabel('Name').fill(name);
      await page.getByLabel('Inside').selectOption(parent === '' ? { label: '—' } : { label: parent });
      await page.getByRole('button', { name: 'Create location' }).click();
      await page.getByRole('cell', { name: id }).waitFor();
    }
    await shot(page, '04-technician-storage');

    await atScanDesk(page);
    // A scanner is a keyboard: it types what the label's barcode holds, then Enter.
    await page.keyboard.type(state.labNo);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: state.labNo }).waitFor();
    await page.getByText('Custody chain verified against the signed checkpoint.').waitFor();
    await page.getByLabel('Storage location').focus();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await expect(page.getByLabel('Storage location').inputValue()).resolves.toBe('cab-a');
    await page.getByRole('button', { name: 'Store and sign' }).focus();
    await page.keyboard.press('Enter');
    await eSign(page, 'technician');
    await page.getByText(`Move of ${state.labNo} recorded and signed.`).waitFor();
    const stored = page.getByRole('row').filter({ hasText: 'stored' });
    await expect(stored.getByRole('cell').nth(4).textContent()).resolves.toBe('Main store / Room 2 / Cabinet A');
    await expect(stored.getByRole('cell').nth(5).textContent()).resolves.toBe('✓');
    await expect(page.getByText('Where it is: Main store / Room 2 / Cabinet A').isVisible()).resolves.toBe(true);
    await shot(page, '05-technician-scan-desk');

    // Out of storage and handed to the analyst: the release is e-signed, the receiver accepts later.
    await page.getByLabel('Purpose').fill('hand over for analysis');
    await page.getByRole('button', { name: 'Take out and sign' }).click();
    await eSign(page, 'technician');
    await page.getByRole('heading', { name: 'Hand over to a colleague' }).waitFor();
    await page.getByLabel('Receiver').selectOption({ label: 'Arman Analyst (analyst)' });
    await page.getByLabel('Purpose').fill('GC-MS analysis');
    await page.getByRole('button', { name: 'Hand over and sign' }).click();
    await page
      .getByRole('dialog')
      .getByText(/transfer .* to /)
      .waitFor();
    await eSign(page, 'technician');
    await page
      .getByText('Handed over by Tanya Technician to Arman Analyst (GC-MS analysis); awaiting the receiver.')
      .waitFor();
    await shot(page, '05a-technician-handover');
    await done(page);
  }, 60_000);

  it('technician: a second item with a photo on receipt; its seal opened, sub-samples taken (a wrong weight shown at its field), resealed; one sub-sample destroyed with a witness in the same dialog, the other witnessed later by the QA manager at their own workstation; the item returned to the agency; the inventory shows where each is', async () => {
    const page = await signedIn('technician');
    // A real PNG to photograph the evidence with: a piece of this very screen.
    const photo = await page.screenshot({ clip: { x: 0, y: 0, width: 160, height: 120 } });
    const photoSha = createHash('sha256').update(photo).digest('hex');
    await page.goto(`${lab.url}/#/cases/${encodeURIComponent(state.caseId)}`);
    await page.getByRole('heading', { name: /^Case / }).waitFor();
    await page.getByLabel("Exhibit number (agency's)").fill('Exhibit 2');
    await page.getByLabel('Packaging').fill('sealed plastic bag');
    await page.getByLabel('Seal numbers').fill('S-200');
    await page.getByLabel('Gross weight, g').fill('10.5000');
    await page.getByLabel('Balance id').fill('BAL-1');
    await page.getByLabel('Delivered by').fill('Sgt. Courier');
    await page.getByLabel('Description').fill('Bag with brown powder');
    await page.getByLabel('Condition on receipt').fill('sealed, seal intact');
    await page
      .getByLabel('Photos on receipt')
      .setInputFiles({ name: 'receipt.png', mimeType: 'image/png', buffer: photo });
    await page.getByRole('button', { name: 'Receive and sign' }).click();
    await eSign(page, 'technician');
    const received = page.getByRole('status').filter({ hasText: /Item .* received and signed.*Photos added: 1\./ });
    await received.waitFor();
    state.labNo2 = /Item (\S+) received/.exec((await received.textContent()) ?? '')?.[1] ?? '';
    expect(state.labNo2).toMatch(/^TMG-\d{4}-\d{6}-02$/);

    // At the scan desk: the photo's thumbnail with its SHA-256.
    await atScanDesk(page);
    await page.keyboard.type(state.labNo2);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: state.labNo2 }).waitFor();
    const thumb = page.getByRole('img', { name: 'on receipt' });
    await thumb.waitFor();
    await expect(thumb.evaluate((img) => (img as HTMLImageElement).naturalWidth)).resolves.toBe(160);
    await page.getByText(`SHA-256 ${photoSha}`).waitFor();

    // Open the seal, with a photo of the step, by keyboard: the summary opens with Enter.
    await page.getByText('Open a seal', { exact: true }).focus();
    await page.keyboard.press('Enter');
    const openForm = actForm(page, 'Open a seal');
    await openForm.getByLabel('Seal', { exact: true }).selectOption('S-200');
    await openForm.getByLabel('Why it is opened').fill('sub-sampling for analysis');
    await openForm.getByLabel('Condition found').fill('seal intact, bag undamaged');
    await openForm
      .getByLabel('Photos of this step')
      .setInputFiles({ name: 'opened.png', mimeType: 'image/png', buffer: photo });
    await openForm.getByLabel('Condition found').press('Enter');
    await page.getByRole('dialog').getByText(`open_seal ${state.labNo2}`).waitFor();
    await eSign(page, 'technician');
    await page.getByText(`Seal of ${state.labNo2} opened and signed.`).waitFor();
    const opened = page.getByRole('row').filter({ hasText: 'seal opened' });
    await expect(opened.getByRole('cell').nth(5).textContent()).resolves.toBe('✓');

    // A sub-sample whose weights do not add up: the service's error appears at the portion field.
    await page.getByText('Take a sub-sample', { exact: true }).click();
    const sub = actForm(page, 'Take a sub-sample');
    await sub.getByLabel('Sub-sample description').fill('portion of brown powder');
    await sub.getByLabel('Packaging').fill('glass vial');
    await sub.getByLabel('Gross weight before, g').fill('10.5000');
    await sub.getByLabel('Gross weight after, g').fill('9.5000');
    await sub.getByLabel('Portion taken, g').fill('0.5000');
    await sub.getByLabel('Balance id').fill('BAL-1');
    await sub.getByRole('button', { name: 'Record and sign' }).click();
    await eSign(page, 'technician');
    const portion = sub.getByLabel('Portion taken, g');
    await sub.getByRole('alert').filter({ hasText: 'grossBefore - grossAfter' }).waitFor();
    await expect(portion.getAttribute('aria-invalid')).resolves.toBe('true');
    await shot(page, '05b-technician-sub-sample-field-error');
    await portion.fill('1.0000');
    await sub.getByRole('button', { name: 'Record and sign' }).click();
    await eSign(page, 'technician');
    const subSampled = page.getByText(/Sub-sample (\S+) taken from/);
    await subSampled.waitFor();
    const subLabNo = /Sub-sample (\S+) taken/.exec((await subSampled.textContent()) ?? '')?.[1] ?? '';
    expect(subLabNo).toMatch(/^TMG-/);
    // A second one, to be destroyed later with a witness at their own workstation.
    await page.getByText('Take a sub-sample', { exact: true }).click();
    await sub.getByLabel('Sub-sample description').fill('second portion of brown powder');
    await sub.getByLabel('Packaging').fill('glass vial');
    await sub.getByLabel('Gross weight before, g').fill('9.5000');
    await sub.getByLabel('Gross weight after, g').fill('9.0000');
    await sub.getByLabel('Portion taken, g').fill('0.5000');
    await sub.getByLabel('Balance id').fill('BAL-1');
    await sub.getByRole('button', { name: 'Record and sign' }).click();
    await eSign(page, 'technician');
    const subSampled2 = page.getByText(/Sub-sample (\S+) taken from/);
    await expect.poll(async () => subSampled2.textContent()).not.toContain(subLabNo);
    const subLabNo2 = /Sub-sample (\S+) taken/.exec((await subSampled2.textContent()) ?? '')?.[1] ?? '';
    expect(subLabNo2).toMatch(/^TMG-/);

    // Reseal: a new seal number; the opened one stays on record.
    await page.getByText('Reseal', { exact: true }).click();
    await actForm(page, 'Reseal').getByLabel('New seal number').fill('S-201');
    await actForm(page, 'Reseal').getByRole('button', { name: 'Record and sign' }).click();
    await eSign(page, 'technician');
    await page.getByText(`${state.labNo2} resealed and signed.`).waitFor();
    await page.getByRole('row').filter({ hasText: 'resealed' }).waitFor();
    await shot(page, '05c-technician-opened-resealed');

    // The sub-sample is destroyed: the technician signs, the analyst witnesses in the same dialog.
    await page.getByLabel('Lab number').fill(subLabNo);
    await page.getByLabel('Lab number').press('Enter');
    await page.getByRole('heading', { name: subLabNo }).waitFor();
    await page.getByText('Destroy (with a witness)', { exact: true }).click();
    const destroy = actForm(page, 'Destroy (with a witness)');
    await destroy.getByLabel('Authority (order, decision)').fill('Court order 2026/77');
    await destroy.getByLabel('Method of destruction').fill('incineration');
    await destroy.getByRole('button', { name: 'Destroy: sign with a witness' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByText(`witness_destruction ${subLabNo}`).waitFor();
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('type'))).toBe('password');
    // The keyboard through the dialog: own password, Tab, witness's username, Tab, their password.
    // First the technician names themself as witness: refused at the username field.
    await page.keyboard.type(password('technician'));
    await page.keyboard.press('Tab');
    await page.keyboard.type('technician');
    await page.keyboard.press('Tab');
    await page.keyboard.type(password('technician'));
    await page.keyboard.press('Enter');
    await dialog.getByText('the witness must be another person').waitFor();
    await expect(dialog.getByLabel("Witness's username").getAttribute('aria-invalid')).resolves.toBe('true');
    await dialog.getByLabel("Witness's username").fill('analyst');
    await dialog.getByLabel("Witness's password").fill(password('analyst'));
    await shot(page, '05d-destruction-witness-dialog');
    await dialog.getByLabel("Witness's password").press('Enter');
    await dialog.waitFor({ state: 'detached' });
    await page.getByText(`${subLabNo} destroyed; witnessed by Arman Analyst.`).waitFor();
    await page.getByText('Where it is: destroyed').waitFor();
    const destroyed = page
      .getByRole('row')
      .filter({ hasText: /^\d+.*destroyed/ })
      .last();
    await expect(destroyed.getByRole('cell').nth(3).textContent()).resolves.toBe('Arman Analyst');
    await shot(page, '05e-sub-sample-destroyed');

    // The second sub-sample: proposed now, the witness signs later at their own workstation.
    await page.getByLabel('Lab number').fill(subLabNo2);
    await page.getByLabel('Lab number').press('Enter');
    await page.getByRole('heading', { name: subLabNo2 }).waitFor();
    await page.getByText('Destroy (with a witness)', { exact: true }).click();
    await destroy.getByLabel('Authority (order, decision)').fill('Court order 2026/77');
    await destroy.getByLabel('Method of destruction').fill('incineration');
    await destroy.getByLabel('The witness signs later, at their own workstation').check();
    await destroy.getByRole('button', { name: 'Destroy: sign with a witness' }).click();
    await dialog.waitFor();
    await expect(dialog.getByText('Witness', { exact: true }).count()).resolves.toBe(0);
    await eSign(page, 'technician');
    await page.getByText(`Destruction of ${subLabNo2} proposed; it awaits a witness.`).waitFor();
    await page.getByText(/Destruction proposed by Tanya Technician \(authority: Court order 2026\/77/).waitFor();
    await shot(page, '05e2-destruction-awaiting-witness');

    // The item itself goes back to the agency.
    await page.getByLabel('Lab number').fill(state.labNo2);
    await page.getByLabel('Lab number').press('Enter');
    await page.getByRole('heading', { name: state.labNo2 }).waitFor();
    await page.getByText('Return to the agency', { exact: true }).click();
    const back = actForm(page, 'Return to the agency');
    await back.getByLabel("Received by (agency's officer)").fill('Lt. Ivan Investigator');
    await back.getByLabel('Organisation').fill('Central Police Department');
    await back.getByLabel('Authority (order, decision)').fill('Investigator request 12');
    await back.getByRole('button', { name: 'Record and sign' }).click();
    await eSign(page, 'technician');
    await page.getByText(`${state.labNo2} returned to the agency and signed.`).waitFor();

    // Where every item is: the scan field has focus; a scanned label finds its row.
    await page.getByRole('link', { name: 'Inventory' }).click();
    await page.getByRole('heading', { name: 'Where every item is' }).waitFor();
    const all = page.getByRole('table').filter({ hasText: 'Items and where they are' });
    await all.waitFor();
    await expect.poll(() => all.getByRole('row').count()).toBe(5);
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('name'))).toBe('code');
    await shot(page, '05f-inventory');
    await page.keyboard.type(subLabNo);
    await page.keyboard.press('Enter');
    await page.getByText(`Found ${subLabNo}.`).waitFor();
    await expect(all.getByRole('row').nth(1).getByRole('cell').nth(3).textContent()).resolves.toBe('destroyed');
    await page.getByLabel('Status').selectOption('returned');
    await expect.poll(() => all.getByRole('row').count()).toBe(2);
    await all.getByRole('cell', { name: state.labNo2 }).waitFor();
    await page.getByLabel('Status').selectOption('');
    await page.getByLabel('Location (and everything in it)').selectOption({ label: 'Main store' });
    await page.getByText('No items match.').waitFor();
    // The same screen in Russian, every filter reset.
    await page.getByLabel('Location (and everything in it)').selectOption('');
    await page.getByRole('button', { name: 'Русский' }).click();
    await page.getByRole('heading', { name: 'Где находится каждый объект' }).waitFor();
    const ru = page.getByRole('table').filter({ hasText: 'Объекты и где они находятся' });
    await expect.poll(() => ru.getByRole('row').count()).toBe(5);
    await ru.getByText('возвращён органу').first().waitFor();
    await shot(page, '05g-inventory-ru');
    await done(page);

    // The QA manager witnesses the second destruction at their own workstation, with their own password.
    const qa = await signedIn('qa.manager');
    await atScanDesk(qa);
    await qa.keyboard.type(subLabNo2);
    await qa.keyboard.press('Enter');
    await qa.getByRole('heading', { name: subLabNo2 }).waitFor();
    await qa.getByRole('button', { name: 'Witness the destruction (e-signature)' }).click();
    await qa.getByRole('dialog').getByText(`witnessed — witness_destruction ${subLabNo2}`).waitFor();
    await eSign(qa, 'qa.manager', '05h-qa-witness-e-signature');
    await qa.getByText(`${subLabNo2} destroyed; witnessed by Qamila QA Manager.`).waitFor();
    await qa.getByText('Where it is: destroyed').waitFor();
    await done(qa);
  }, 120_000);

  it('QA manager: imports a reference library version with progress', async () => {
    const page = await signedIn('qa.manager');
    await page.getByRole('link', { name: 'Libraries' }).click();
    await page.getByText('No library imported yet.').waitFor();
    await page.getByLabel('Library name').fill('Synthetic-EI');
    await page.getByLabel('Version', { exact: true }).fill('2026.1');
    await page
      .getByLabel('Library file (MSP)')
      .setInputFiles({ name: 'synthetic.msp', mimeType: 'chemical/x-msp', buffer: Buffer.from(syntheticLibraryMsp()) });
    await page.getByRole('button', { name: 'Import' }).click();
    await page.getByText('Synthetic-EI 2026.1 imported: 5 spectra.').waitFor();
    await page.getByRole('cell', { name: 'Synthetic-EI' }).waitFor();
    await shot(page, '06-qa-libraries');
    await done(page);
  }, 60_000);

  it('analyst: claims the work item, uploads a spectrum, sees ranked hits and the mirror plot, records a finding with uncertainty and submits it', async () => {
    const page = await signedIn('analyst');
    await page.getByRole('heading', { name: 'Work queue' }).waitFor();
    // First the item itself: the analyst scans it and accepts the hand-over with an e-signature.
    await atScanDesk(page);
    await page.keyboard.type(state.labNo);
    await page.keyboard.press('Enter');
    await page.getByRole('button', { name: 'Accept (e-signature)' }).focus();
    await page.keyboard.press('Enter');
    await eSign(page, 'analyst');
    await page.getByText('Where it is: held by Arman Analyst').waitFor();
    await expect(
      page.getByRole('row').filter({ hasText: 'transferred' }).getByRole('cell').nth(5).textContent(),
    ).resolves.toBe('✓');
    await shot(page, '06a-analyst-accepted-item');
    await page.getByRole('link', { name: 'Work queue' }).click();
    await page.getByRole('heading', { name: 'Work queue' }).waitFor();
    // The request travels intake -> NATS -> analysis; reload until it is in the queue.
    const claim = page.getByRole('button', { name: `Take it ${state.labNo}` });
    for (let i = 0; i < 60 && !(await claim.isVisible()); i++) {
      await page.waitForTimeout(500);
      await page.reload();
      await page.getByRole('heading', { name: 'Work queue' }).waitFor();
    }
    await shot(page, '07-analyst-queue');
    await claim.focus();
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: `Analysis of ${state.labNo}` }).waitFor();
    state.workUrl = page.url();

    await page.getByLabel('Instrument').fill('GCMS-1');
    await page
      .getByLabel('Upload a spectrum (MSP, JCAMP-DX, mzML, CSV)')
      .setInputFiles({ name: 'run-1.msp', mimeType: 'chemical/x-msp', buffer: Buffer.from(syntheticQueryMsp()) });
    const hits = page.getByRole('table').filter({ hasText: 'Library hits' });
    await hits.waitFor();
    await expect(hits.getByRole('row').nth(1).getByRole('cell').nth(1).textContent()).resolves.toBe(QUERY_OF);
    // A reference lacking the unknown's heaviest ions says what the search took from its score.
    await expect(hits.getByRole('row', { name: /Synthetic compound E/ }).getByRole('cell').nth(2).textContent()).resolves.toMatch(/^\d+\(−30: lacks the unknown's heaviest ions\)$/);
    const plot = page.getByRole('img', { name: `Mirror plot: query against ${QUERY_OF}` });
    await plot.waitFor();
    await expect(plot.evaluate((img) => (img as HTMLImageElement).naturalWidth > 0)).resolves.toBe(true);
    await shot(page, '08-analyst-hits-mirror-plot');

    await page.getByLabel('Purity, %').fill('62.4');
    await page.getByLabel('Replicate spread (relative SD, type A)').fill('0.012');
    await page.getByLabel('Calibration (relative half-width, type B)').fill('0.02');
    await page.getByLabel('Gross weight, g').fill('3.5123');
    await page.getByLabel('Packaging weight, g').fill('1.2040');
    await page.getByRole('button', { name: 'Record finding' }).click();
    const recorded = page.locator('.card', { has: page.getByRole('heading', { name: 'Recorded finding' }) });
    await recorded.waitFor();
    await expect(recorded.textContent()).resolves.toMatch(/62\.4 ± \d+\.\d %/);
    await expect(recorded.textContent()).resolves.toMatch(/2\.3083 ± 0\.\d{4} g/);
    await recorded.getByRole('button', { name: 'Submit for review' }).click();
    await page.getByText('Submitted for technical review.').waitFor();
    await shot(page, '09-analyst-finding-submitted');
    await done(page);
  }, 90_000);

  it('reviewer: sends the finding back with a reason under an e-signature; the analyst resubmits it', async () => {
    const page = await signedIn('reviewer');
    await page.getByRole('heading', { name: 'Technical review' }).waitFor();
    const card = page.locator('article', { has: page.getByRole('heading', { name: state.labNo }) });
    await card.getByLabel('Reason for sending back').fill('State the blank run before the sample');
    await card.getByRole('button', { name: 'Send back' }).click();
    await page
      .getByRole('dialog')
      .getByText(/sent back — send back work item/)
      .waitFor();
    await eSign(page, 'reviewer', '09a-reviewer-send-back-e-signature');
    await page.getByText('Nothing to review.').waitFor();
    await done(page);

    const analyst = await signedIn('analyst');
    await analyst.goto(state.workUrl);
    await analyst.getByText('Sent back by the reviewer: State the blank run before the sample').waitFor();
    await shot(analyst, '09b-analyst-sent-back');
    await analyst.getByRole('button', { name: 'Submit for review' }).click();
    await analyst.getByText('Submitted for technical review.').waitFor();
    await done(analyst);
  }, 90_000);

  it('reviewer: approves with an e-signature (keyboard) and waits for the signed report', async () => {
    const page = await signedIn('reviewer');
    await page.getByRole('heading', { name: 'Technical review' }).waitFor();
    const card = page.locator('article', { has: page.getByRole('heading', { name: state.labNo }) });
    await card.waitFor();
    await card.getByRole('img').waitFor();
    await shot(page, '10-reviewer-queue');
    await card.getByRole('button', { name: 'Approve (e-signature)' }).focus();
    await page.keyboard.press('Enter');
    await page
      .getByRole('dialog')
      .getByText(/approve work item/)
      .waitFor();
    await eSign(page, 'reviewer');
    const issued = page.getByText(/Report (\S+) issued and signed\./);
    await issued.waitFor({ timeout: 60_000 });
    state.reportNumber = /Report (\S+) issued/.exec((await issued.textContent()) ?? '')?.[1] ?? '';
    expect(state.reportNumber).not.toBe('');
    await page.getByText('Nothing to review.').waitFor();
    await shot(page, '11-reviewer-report-issued');
    await done(page);
  }, 90_000);

  it('investigator of the agency: sees the case and the report, downloads the signed PDF, and the public page calls it genuine', async () => {
    const page = await signedIn('investigator.police', 'ru');
    await page.getByRole('heading', { name: 'Протоколы' }).waitFor();
    const row = page.getByRole('row').filter({ hasText: state.reportNumber });
    await row.waitFor();
    await expect(row.getByRole('cell').nth(1).textContent()).resolves.toBe(state.labNo);
    await shot(page, '12-investigator-reports-ru');
    const pdf = await downloaded(page, () => row.getByRole('button').first().click());
    expect(pdf.name).toBe(`${state.reportNumber}.pdf`);
    expect(pdf.bytes.subarray(0, 5).toString()).toBe('%PDF-');
    state.pdf = pdf.bytes;

    await page.getByRole('link', { name: 'Дела' }).click();
    await page.getByRole('link', { name: state.caseId }).waitFor();
    await expect(page.getByRole('button', { name: 'Открыть дело' }).count()).resolves.toBe(0);
    // The case itself: its items and its reports with their status, the PDF a click away.
    await page.getByRole('link', { name: state.caseId }).click();
    const caseReports = page.getByRole('table').filter({ hasText: 'Протоколы по делу' });
    const caseReport = caseReports.getByRole('row').filter({ hasText: state.reportNumber });
    await expect(caseReport.getByRole('cell').nth(2).textContent()).resolves.toBe('действует');
    await shot(page, '12a-investigator-case-ru');
    const again = await downloaded(page, () =>
      caseReport.getByRole('button', { name: `Скачать PDF ${state.reportNumber}` }).click(),
    );
    expect(again.bytes.equals(pdf.bytes)).toBe(true);
    await expect(page.getByRole('heading', { name: 'Приём объекта' }).count()).resolves.toBe(0);

    await page.getByRole('link', { name: 'Проверить подлинность протокола' }).click();
    await page
      .getByLabel('Выберите PDF протокола')
      .setInputFiles({ name: pdf.name, mimeType: 'application/pdf', buffer: pdf.bytes });
    const verdict = page.locator('.verdict');
    await verdict.waitFor();
    await expect(verdict.getByRole('heading').textContent()).resolves.toBe('Подлинный, действует');
    await shot(page, '13-verify-genuine-ru');
    await done(page);
  }, 60_000);

  it('investigator of another agency: sees neither the report nor the case, and is refused the PDF', async () => {
    const page = await signedIn('investigator.customs');
    await page.getByRole('heading', { name: 'Reports' }).waitFor();
    await page.getByText('No reports yet.').waitFor();
    await shot(page, '14-other-agency-reports');
    const status = await page.evaluate(async (n) => {
      const refreshed = await fetch('/v1/sessions/refresh', { method: 'POST' });
      const { accessToken } = (await refreshed.json()) as { accessToken: string };
      const res = await fetch(`/api/reporting/v1/reports/${encodeURIComponent(n)}/pdf`, {
        headers: { authorization: `Bearer ${accessToken}` },
      });
      return res.status;
    }, state.reportNumber);
    expect(status).toBe(403);
    await page.getByRole('link', { name: 'Cases' }).click();
    await page.getByText('No cases yet.').waitFor();
    await done(page);
  }, 60_000);

  it('anyone: the public page without signing in says a changed PDF is not verified', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    await context.addInitScript(() => localStorage.setItem('tamga.lang', 'en'));
    const page = await context.newPage();
    await page.goto(`${lab.url}/#/verify`);
    // One byte of the signed content changed (a letter of the /Producer entry).
    const changed = Buffer.from(state.pdf);
    const at = changed.indexOf('/Producer');
    expect(at).toBeGreaterThan(0);
    changed.writeUInt8((changed.readUInt8(at + 12) ^ 1) & 0xff, at + 12);
    await page
      .getByLabel('Choose the report PDF')
      .setInputFiles({ name: 'changed.pdf', mimeType: 'application/pdf', buffer: changed });
    const verdict = page.locator('.verdict');
    await verdict.waitFor();
    await expect(verdict.getByRole('heading').textContent()).resolves.toBe(
      'Not verified: not an unmodified report of this laboratory',
    );
    await shot(page, '15-verify-changed');
    await context.close();
  }, 60_000);
  it('QA manager: amends the report with a reason; the first one is then shown as superseded, also on the public page', async () => {
    const page = await signedIn('qa.manager');
    await page.getByRole('link', { name: 'Reports' }).click();
    const row = page
      .getByRole('row')
      .filter({ has: page.getByRole('cell', { name: state.reportNumber, exact: true }) });
    await row.getByRole('button', { name: 'Amend or withdraw' }).click();
    await page.getByLabel('Reason').fill('Net weight restated after re-weighing the packaging');
    await page.getByRole('button', { name: 'Issue an amendment' }).click();
    await page.getByRole('dialog').getByText(`amend report ${state.reportNumber}`).waitFor();
    await eSign(page, 'qa.manager', '16a-qa-amend-e-signature');
    await page.getByText(`replaced by`).waitFor();
    await expect(row.getByRole('cell').nth(3).textContent()).resolves.toMatch(/^superseded · replaced by \S+$/);
    const amendment = page.getByRole('row').filter({ hasText: `replaces ${state.reportNumber}` });
    await expect(amendment.getByRole('cell').nth(3).textContent()).resolves.toMatch(/^current/);
    await shot(page, '16-qa-amended');

    await page.getByRole('link', { name: 'Verify a report' }).click();
    await page
      .getByLabel('Choose the report PDF')
      .setInputFiles({ name: 'first.pdf', mimeType: 'application/pdf', buffer: Buffer.from(state.pdf) });
    await expect(page.locator('.verdict').getByRole('heading').textContent()).resolves.toBe(
      'Genuine, but superseded by an amendment',
    );
    await shot(page, '17-verify-superseded');
    await done(page);
  }, 60_000);

  it('QA manager: reopens the result behind the amendment for correction and withdraws the amendment, each under an e-signature', async () => {
    const page = await signedIn('qa.manager');
    await page.getByRole('link', { name: 'Reports' }).click();
    const amendment = page.getByRole('row').filter({ hasText: `replaces ${state.reportNumber}` });
    await amendment.getByRole('button', { name: 'Amend or withdraw' }).click();
    await page.getByLabel('Reason').fill('Net weight to be recalculated with the new balance calibration');
    await page.getByRole('button', { name: 'Reopen the result for correction' }).click();
    await page
      .getByRole('dialog')
      .getByText(/corrected — correct result /)
      .waitFor();
    await eSign(page, 'qa.manager');
    await page.getByText(/is reopened for correction/).waitFor();

    await amendment.getByRole('button', { name: 'Amend or withdraw' }).click();
    await page.getByLabel('Reason').fill('Issued in error: the case was closed by the court');
    await page.getByRole('button', { name: 'Withdraw', exact: true }).click();
    await page
      .getByRole('dialog')
      .getByText(/withdrawn — withdraw report /)
      .waitFor();
    await shot(page, '18-qa-withdraw-e-signature');
    await eSign(page, 'qa.manager');
    await expect
      .poll(async () => amendment.getByRole('cell').nth(3).textContent())
      .toMatch(/^withdrawn · .*Issued in error/);
    await shot(page, '19-qa-withdrawn');
    await done(page);
  }, 60_000);

  it('admin: sees per service the events its consumers gave up on, and a replay that fails again says why', async () => {
    // A message no consumer can read: reporting's intake consumer dead-letters it at once.
    await lab.publishRaw('intake.item.received', 'this is not an event');
    const page = await signedIn('admin');
    await page.getByRole('link', { name: 'Dead letters' }).click();
    await page.getByRole('heading', { name: 'Dead letters', level: 1 }).waitFor();
    const reporting = page.locator('section.card', {
      has: page.getByRole('heading', { name: 'Reporting', exact: true }),
    });
    const row = reporting.getByRole('row').filter({ hasText: 'MESSAGING_ERR_INVALID_EVENT' });
    for (let i = 0; i < 40 && !(await row.isVisible()); i++) {
      await page.waitForTimeout(250);
      await page.reload();
      await page.getByRole('heading', { name: 'Dead letters', level: 1 }).waitFor();
    }
    await expect(row.getByRole('cell').nth(2).textContent()).resolves.toBe('reporting-intake');
    await expect(row.getByRole('cell').nth(3).textContent()).resolves.toBe('intake.item.received');
    // Intake runs no consumers here, so it has no desk: the screen says so instead of failing.
    const intake = page.locator('section.card', { has: page.getByRole('heading', { name: 'Intake', exact: true }) });
    await intake.getByText('This part of the system is not available yet').waitFor();
    await row.getByRole('button', { name: /^Replay / }).click();
    await reporting
      .getByRole('alert')
      .filter({ hasText: /failed again in reporting-intake|MESSAGING_ERR_REPLAY_FAILED|could not/i })
      .waitFor();
    await shot(page, '20-admin-dead-letters');
    await done(page);
  }, 60_000);
});
