// Reference libraries: each version is immutable. Importing parses the MSP, builds the spectral
// index once and keeps both the source file and the serialised index as blobs; searching loads
// the index of a version once per process and keeps it (an index is a real resource).
import { createHash } from 'node:crypto';
import { buildIndex, loadIndex, makeSpectrum, parseMsp, serializeIndex } from '@tamga/spectra';
import type { LibrarySpectrum, SpectralIndex } from '@tamga/spectra';
import type { DocumentStore, Stored } from '@tamga/store';
import type { CrmReference } from '@tamga/contracts';
import { AnalysisErrors } from '../domain/errors.ts';
import type { Person } from '../domain/work-item.ts';
import { libraries } from './collections.ts';
import type { LibraryDoc } from './collections.ts';
import { writeAudit } from './audit.ts';

export function libraryId(name: string, version: string): string {
  return `${name}@${version}`;
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Peaks of record `s` of an index, as (m/z, intensity) pairs. */
export function referencePeaks(index: SpectralIndex, s: number): [number, number][] {
  const { offsets, mz, intensity } = index.parts;
  const out: [number, number][] = [];
  for (let k = offsets[s] ?? 0; k < (offsets[s + 1] ?? 0); k++) out.push([mz[k] ?? 0, intensity[k] ?? 0]);
  return out;
}

/** Retention index of record `s` of an index, when the record carries one. */
export function referenceRi(index: SpectralIndex, s: number): number | undefined {
  const ri = index.parts.ri[s];
  return ri === undefined || Number.isNaN(ri) ? undefined : ri;
}

/** The spectra an index was built from, read back (to extend a library with CRM spectra). */
function spectraOf(index: SpectralIndex): LibrarySpectrum[] {
  const p = index.parts;
  return Array.from({ length: index.count }, (_, s) => {
    const peaks = referencePeaks(index, s);
    const ri = p.ri[s];
    return makeSpectrum(peaks, {
      name: p.names?.[s] ?? '',
      ...(p.ids?.[s] ? { dbId: p.ids[s] } : {}),
      ...(p.inchikeys?.[s] ? { inchikey: p.inchikeys[s] } : {}),
      ...(p.derivatives?.[s] ? { derivative: p.derivatives[s] } : {}),
      ...(p.comments?.[s] ? { comments: p.comments[s] } : {}),
      ...(ri !== undefined && !Number.isNaN(ri) ? { ri } : {}),
    });
  });
}

export interface LibraryCatalogue {
  importMsp(input: {
    name: string;
    version: string;
    filename: string;
    bytes: Uint8Array;
    by: Person;
    now: Date;
  }): Promise<Stored<LibraryDoc>>;
  addCrmSpectra(input: {
    name: string;
    baseVersion: string;
    newVersion: string;
    crm: CrmReference;
    msp: string;
    by: Person;
    now: Date;
  }): Promise<Stored<LibraryDoc>>;
  /** The newest version of any library: the one searches use. */
  current(): Promise<{ doc: Stored<LibraryDoc>; index: SpectralIndex }>;
  open(name: string, version: string): Promise<{ doc: Stored<LibraryDoc>; index: SpectralIndex }>;
  list(): Promise<Stored<LibraryDoc>[]>;
}

export function createLibraryCatalogue(store: DocumentStore): LibraryCatalogue {
  const loaded = new Map<string, SpectralIndex>();

  async function save(
    doc: Omit<LibraryDoc, 'index'>,
    index: SpectralIndex,
    by: Person,
    now: Date,
  ): Promise<Stored<LibraryDoc>> {
    const indexBlob = await store.blobs.put(serializeIndex(index), 'application/vnd.tamga.spectral-index');
    const id = libraryId(doc.name, doc.version);
    const saved = await store.transaction(async (tx) => {
      const col = tx.collection(libraries);
      if ((await col.get(id)) !== undefined)
        throw AnalysisErrors.ANALYSIS_ERR_LIBRARY_EXISTS(`${id} exists already; import a new version`);
      const inserted = await col.insert({ _id: id, ...doc, index: indexBlob });
      await writeAudit(tx, {
        at: now.toISOString(),
        actor: by,
        action: 'library.imported',
        entity: 'library',
        entityId: id,
        after: { count: doc.count, source: doc.source },
      });
      return inserted;
    });
    loaded.set(id, index);
    return saved;
  }

  async function open(name: string, version: string): Promise<{ doc: Stored<LibraryDoc>; index: SpectralIndex }> {
    const id = libraryId(name, version);
    const doc = await store.collection(libraries).get(id);
    if (doc === undefined) throw AnalysisErrors.ANALYSIS_ERR_LIBRARY_NOT_FOUND(`no library ${id}`);
    let index = loaded.get(id);
    if (index === undefined) {
      index = loadIndex(await store.blobs.get(doc.index.sha256));
      loaded.set(id, index);
    }
    return { doc, index };
  }

  return {
    async importMsp({ name, version, filename, bytes, by, now }) {
      if ((await store.collection(libraries).get(libraryId(name, version))) !== undefined) {
        throw AnalysisErrors.ANALYSIS_ERR_LIBRARY_EXISTS(
          `${libraryId(name, version)} exists already; import a new version`,
        );
      }
      const spectra = parseMsp(new TextDecoder('utf-8', { fatal: false }).decode(bytes), { source: filename });
      if (spectra.length === 0) throw AnalysisErrors.ANALYSIS_ERR_EMPTY_SPECTRUM(`${filename} holds no spectra`);
      const index = buildIndex(spectra, { name, version });
      const source = await store.blobs.put(bytes, 'chemical/x-msp');
      return save(
        {
          name,
          version,
          count: spectra.length,
          source: { filename, sha256: source.sha256 },
          createdBy: by,
          createdAt: now.toISOString(),
        },
        index,
        by,
        now,
      );
    },

    async addCrmSpectra({ name, baseVersion, newVersion, crm, msp, by, now }) {
      const base = await open(name, baseVersion);
      const added = parseMsp(msp, { source: `CRM ${crm.name} lot ${crm.lot}` });
      if (added.length === 0) throw AnalysisErrors.ANALYSIS_ERR_EMPTY_SPECTRUM('the CRM file holds no spectra');
      const note = `CRM=${crm.name}; lot=${crm.lot}; certificate=${crm.certificate}`;
      const withCrm = added.map((s) => ({
        ...s,
        comments: s.comments === undefined ? note : `${note}; ${s.comments}`,
      }));
      const index = buildIndex([...spectraOf(base.index), ...withCrm], { name, version: newVersion });
      const bytes = new TextEncoder().encode(msp);
      await store.blobs.put(bytes, 'chemical/x-msp');
      return save(
        {
          name,
          version: newVersion,
          count: index.count,
          source: { filename: `crm-${crm.lot}.msp`, sha256: sha256(bytes) },
          basedOn: libraryId(name, baseVersion),
          crm: { ...crm, spectra: added.map((s) => s.name) },
          createdBy: by,
          createdAt: now.toISOString(),
        },
        index,
        by,
        now,
      );
    },

    async current() {
      const [doc] = await store.collection(libraries).find({}, { sort: { createdAt: -1 }, limit: 1 });
      if (doc === undefined)
        throw AnalysisErrors.ANALYSIS_ERR_NO_LIBRARY('import a reference library first (POST /v1/libraries)');
      return open(doc.name, doc.version);
    },

    open,

    list() {
      return store.collection(libraries).find({}, { sort: { createdAt: 1 } });
    },
  };
}
