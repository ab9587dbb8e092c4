// The end-state check of a chaos run, against the services' own stores (opened after the system
// stopped; the same port for SQLite and MongoDB) and the custody proofs intake hands out.
// For every item the run registered: exactly one custody chain, intact, whose proof bundle
// verifies against the lab's custody key; every analysis request exactly one work item and one
// approved result; every approved result exactly one current report. Anything missing is lost,
// anything more than one is duplicated.
import { defineCollection, openStore } from '../../packages/store/src/index.ts';
import type { DocumentStore } from '../../packages/store/src/index.ts';
import { verifyBundle, verifyChain } from '../../packages/custody/src/index.ts';

// Read-only views of the services' collections: the names the services use, no indexes of ours.
const items = defineCollection<{ labNo: string; agencyId: string }>({ name: 'items' });
const custodyEvents = defineCollection<{ item: string; seq: number; event: { kind?: string } & Record<string, unknown> }>({ name: 'custody_events' });
const analysisRequests = defineCollection<{ labNo: string }>({ name: 'analysis_requests' });
const workItems = defineCollection<{ labNo: string; status: string }>({ name: 'analysis.work_items' });
const results = defineCollection<{ resultId: string; labNo: string; status: string; workItemId: string }>({ name: 'analysis.results' });
const reports = defineCollection<{ reportNumber: string; labNos: string[]; resultId: string; status: string }>({ name: 'reports' });

export interface StoreLocation {
  backend: 'sqlite' | 'mongo';
  /** The system's data folder (SQLite: `<dataDir>/<service>/<service>.sqlite`). */
  dataDir: string;
  mongoUrl?: string;
}

export interface ItemVerdict {
  labNo: string;
  chains: number;
  chainIntact: boolean;
  proofVerifies: boolean;
  requests: number;
  workItems: number;
  approvedResults: number;
  currentReports: number;
  problems: string[];
}

export interface AuditFigures {
  items: number;
  /** Items of the run's agency that the load generator did not register (a double registration). */
  unexpectedItems: number;
  lost: number;
  duplicated: number;
  verdicts: ItemVerdict[];
}

async function openServiceStore(where: StoreLocation, service: string): Promise<DocumentStore> {
  return openStore({
    backend: where.backend,
    service,
    dataDir: `${where.dataDir}/${service}`,
    ...(where.mongoUrl === undefined ? {} : { mongoUrl: where.mongoUrl }),
  });
}

/**
 * `bundles` are the custody proof bundles intake gave for each item while it ran
 * (GET /v1/items/:labNo/custody); `custodyPublicKey` the lab key they must verify against.
 */
export async function auditEndState(options: {
  where: StoreLocation;
  agencyId: string;
  labNos: readonly string[];
  bundles: ReadonlyMap<string, unknown>;
  custodyPublicKey: string;
}): Promise<AuditFigures> {
  const intake = await openServiceStore(options.where, 'intake');
  const analysis = await openServiceStore(options.where, 'analysis');
  const reporting = await openServiceStore(options.where, 'reporting');
  try {
    const registered = await intake.collection(items).find({ agencyId: options.agencyId });
    const expected = new Set(options.labNos);
    const unexpectedItems = registered.filter((i) => !expected.has(i.labNo)).length;
    const allReports = await reporting.collection(reports).find({});

    const verdicts: ItemVerdict[] = [];
    let lost = 0;
    let duplicated = unexpectedItems;
    for (const labNo of options.labNos) {
      const problems: string[] = [];
      const chain = (await intake.collection(custodyEvents).find({ item: labNo }, { sort: { seq: 1 } })).map((d) => d.event);
      const receipts = chain.filter((e) => e.kind === 'received').length;
      const chainIntact = chain.length > 0 && verifyChain(chain).ok;
      const bundle = options.bundles.get(labNo);
      const proofVerifies = bundle !== undefined && verifyBundle(bundle, options.custodyPublicKey).ok;
      const requests = await intake.collection(analysisRequests).count({ labNo });
      const work = await analysis.collection(workItems).find({ labNo });
      const approved = (await analysis.collection(results).find({ labNo })).filter((r) => r.status === 'approved');
      const approvedIds = new Set(approved.map((r) => r.resultId));
      const current = allReports.filter((r) => r.labNos.includes(labNo) && r.status === 'current');

      const expectOne = (what: string, count: number): void => {
        if (count === 0) {
          lost += 1;
          problems.push(`no ${what}`);
        } else if (count > 1) {
          duplicated += count - 1;
          problems.push(`${count} ${what}s`);
        }
      };
      expectOne('custody chain', receipts);
      if (receipts > 0 && !chainIntact) problems.push('custody chain broken');
      if (!proofVerifies) problems.push('custody proof does not verify');
      expectOne('analysis request', requests);
      expectOne('work item', work.length);
      expectOne('approved result', approvedIds.size);
      expectOne('current report', current.length);
      for (const resultId of approvedIds) {
        const forResult = current.filter((r) => r.resultId === resultId).length;
        if (forResult !== 1) problems.push(`approved result ${resultId} has ${forResult} current reports`);
      }
      verdicts.push({
        labNo,
        chains: receipts,
        chainIntact,
        proofVerifies,
        requests,
        workItems: work.length,
        approvedResults: approvedIds.size,
        currentReports: current.length,
        problems,
      });
    }
    return { items: options.labNos.length, unexpectedItems, lost, duplicated, verdicts };
  } finally {
    await intake.close();
    await analysis.close();
    await reporting.close();
  }
}
