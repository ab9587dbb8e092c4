// A small lab: several items whose custody events interleave in one lab-wide log, a signed
// checkpoint, and a bundle for one item. Shared by the bundle tests and the CLI test.
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import {
  MerkleLog,
  appendToChain,
  buildBundle,
  signCheckpoint,
  type ChainedEvent,
  type CustodyBundle,
  type SignedCheckpoint,
} from '../src/index.ts';

export const ORIGIN = 'kz01.tamga.lab/intake';

export interface LabLog {
  chains: Map<string, ChainedEvent[]>;
  log: MerkleLog;
  checkpoint: SignedCheckpoint;
  keys: { publicKey: KeyObject; privateKey: KeyObject };
  bundleFor(item: string): CustodyBundle;
}

const KINDS = ['received', 'stored', 'transferred', 'seal_opened', 'sub_sampled', 'resealed', 'sent_for_analysis'];

/** Builds `items` chains with `perItem` events each, appended to the log round-robin. */
export function makeLabLog({ items = 3, perItem = 6 }: { items?: number; perItem?: number } = {}): LabLog {
  const keys = generateKeyPairSync('ed25519');
  const log = new MerkleLog();
  const chains = new Map<string, ChainedEvent[]>();
  const labNos = Array.from({ length: items }, (_, i) => `KZ01-2025-${String(100 + i).padStart(6, '0')}-01`);
  for (const labNo of labNos) chains.set(labNo, []);
  for (let n = 0; n < perItem; n++) {
    for (const labNo of labNos) {
      const chain = chains.get(labNo) as ChainedEvent[];
      const event = appendToChain(chain, {
        eventId: `${labNo}/${n}`,
        item: labNo,
        kind: KINDS[n % KINDS.length],
        time: new Date(Date.UTC(2025, 2, 1, 9, n)).toISOString(),
        releasedBy: { userId: `tech-${n % 2}`, name: n % 2 ? 'Айгуль Сейткали' : 'Pavel Orlov' },
        receivedBy: { userId: `tech-${(n + 1) % 2}`, name: n % 2 ? 'Pavel Orlov' : 'Айгуль Сейткали' },
        sealsIn: [`SEAL-${n}`],
        sealsOut: [`SEAL-${n + 1}`],
        weights: n === 4 ? { grossBeforeGrams: 12.41, grossAfterGrams: 12.07, portionGrams: 0.34, balanceId: 'BAL-3' } : null,
      });
      chain.push(event);
      log.append(event.hash);
    }
  }
  const checkpoint = signCheckpoint({ origin: ORIGIN, time: '2025-03-02T00:00:00.000Z', ...log.head() }, keys.privateKey);
  return {
    chains,
    log,
    checkpoint,
    keys,
    bundleFor: (item) => buildBundle({ item, events: chains.get(item) ?? [], log, checkpoint, publicKey: keys.publicKey }),
  };
}
