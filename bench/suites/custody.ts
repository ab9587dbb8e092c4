// Custody verification throughput for a 1,000,000-event lab log: parse each item's events from
// JSON, re-hash every event (RFC 8785 canonical JSON + SHA-256), check every chain link, append
// every event hash to the lab-wide Merkle log and compute its root. Baselines in the same run:
// /usr/bin/sha256sum and node's bare crypto SHA-256 over the same canonical bytes (the bytes the
// event hashes cover), read from the same temp file.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, openSync, readFileSync, rmSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  MerkleLog,
  appendToChain,
  canonicalEventBytes,
  leafHash,
  nodeHash,
  verifyChain,
  type ChainedEvent,
} from '../../packages/custody/src/index.ts';
import { round, type Measurement, type Suite } from '../lib.ts';

const EVENTS = Number(process.env.CUSTODY_BENCH_EVENTS ?? 1_000_000);
const PER_ITEM = 10;
const ITEMS_PER_CHUNK = 2_000;
const KINDS = [
  'received',
  'stored',
  'retrieved',
  'transferred',
  'seal_opened',
  'sub_sampled',
  'resealed',
  'sent_for_analysis',
  'stored',
  'returned_to_agency',
];
const PEOPLE = [
  { userId: 'u-0001', name: 'Айгуль Сейткали' },
  { userId: 'u-0002', name: 'Pavel Orlov' },
  { userId: 'u-0003', name: 'Dana Nurlanovna' },
];

function itemChain(itemNo: number): ChainedEvent[] {
  const labNo = `KZ01-2025-${String(itemNo).padStart(6, '0')}-01`;
  const chain: ChainedEvent[] = [];
  for (let n = 0; n < PER_ITEM; n++) {
    const from = PEOPLE[(itemNo + n) % 3];
    const to = PEOPLE[(itemNo + n + 1) % 3];
    chain.push(
      appendToChain(chain, {
        eventId: `${labNo}/${n}`,
        item: labNo,
        exhibitNo: `EX-${itemNo % 977}`,
        kind: KINDS[n],
        time: new Date(Date.UTC(2025, 0, 1) + itemNo * 60_000 + n * 1000).toISOString(),
        releasedBy: from,
        receivedBy: to,
        location: {
          locationId: `loc-${itemNo % 40}`,
          path: `Store A / Room 2 / Cabinet ${itemNo % 40} / Shelf ${n % 4}`,
        },
        purpose: n === 7 ? 'GC-MS identification' : 'storage',
        sealsIn: [`S-${itemNo}-${n}`],
        sealsOut: n % 3 === 0 ? [`S-${itemNo}-${n + 1}`] : [],
        weights:
          n === 5 ? { grossBeforeGrams: 12.41, grossAfterGrams: 12.07, portionGrams: 0.34, balanceId: 'BAL-3' } : null,
        signatures: [
          { userId: from?.userId, meaning: 'released' },
          { userId: to?.userId, meaning: 'received' },
        ],
      }),
    );
  }
  return chain;
}

function timed(fn: () => void): number {
  const t = performance.now();
  fn();
  return (performance.now() - t) / 1000;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

export const suite: Suite = {
  name: 'custody',
  run: () => Promise.resolve(measure()),
};

function measure(): Omit<Measurement, 'ratio'>[] {
  {
    const dir = mkdtempSync(join(tmpdir(), 'tamga-custody-bench-'));
    const file = join(dir, 'canonical-events.bin');
    try {
      const fd = openSync(file, 'w');
      const log = new MerkleLog();
      let verifySeconds = 0;
      let bytes = 0;
      let events = 0;
      const entryHashes: string[] = [];
      const items = Math.ceil(EVENTS / PER_ITEM);
      for (let first = 0; first < items; first += ITEMS_PER_CHUNK) {
        // Untimed: build the chunk's chains, dump them as JSON (what a verifier receives) and
        // write the canonical bytes the event hashes cover for the baselines.
        const chains: ChainedEvent[][] = [];
        for (let i = first; i < Math.min(items, first + ITEMS_PER_CHUNK); i++) chains.push(itemChain(i));
        const dump = JSON.stringify(chains);
        const canonical = Buffer.concat(chains.flat().map((e) => canonicalEventBytes(e)));
        writeSync(fd, canonical);
        for (const chain of chains) for (const e of chain) entryHashes.push(e.hash);
        bytes += canonical.length;
        // Timed: what an offline verifier does.
        verifySeconds += timed(() => {
          const parsed = JSON.parse(dump) as unknown[][];
          for (const chain of parsed) {
            const verdict = verifyChain(chain);
            if (!verdict.ok) throw new Error(`bench chain failed: ${verdict.reason}`);
            for (const e of chain as ChainedEvent[]) log.append(e.hash);
            events += chain.length;
          }
        });
      }
      closeSync(fd);
      let root = '';
      verifySeconds += timed(() => {
        root = log.root().toString('hex');
      });

      // Baseline 1: the real sha256sum over the same bytes (warm page cache; median of 3).
      spawnSync('/usr/bin/sha256sum', [file]);
      const sumRuns: number[] = [];
      let sumHex = '';
      for (let r = 0; r < 3; r++) {
        sumRuns.push(
          timed(() => {
            const out = spawnSync('/usr/bin/sha256sum', [file], { encoding: 'utf8' });
            if (out.status !== 0) throw new Error(`sha256sum failed: ${out.stderr}`);
            sumHex = out.stdout.split(' ')[0] ?? '';
          }),
        );
      }
      const sumSeconds = median(sumRuns);
      // Baseline 2: node's bare crypto SHA-256, reading the same file (median of 3).
      let nodeHex = '';
      const nodeSeconds = median(
        [0, 1, 2].map(() =>
          timed(() => {
            nodeHex = createHash('sha256').update(readFileSync(file)).digest('hex');
          }),
        ),
      );
      if (nodeHex !== sumHex) throw new Error('sha256sum and node disagree on the canonical bytes');

      // Merkle log alone: append every entry (idempotence index, perfect-subtree levels) and take
      // the root, beside the hashing any RFC 9162 tree needs at minimum: n leaf hashes and n-1
      // interior hashes, chained with no structure kept.
      let merkleRoot = '';
      const merkleSeconds = timed(() => {
        const fresh = new MerkleLog();
        for (const h of entryHashes) fresh.append(h);
        merkleRoot = fresh.root().toString('hex');
      });
      const entries = entryHashes.map((h) => Buffer.from(h, 'hex'));
      const bareSeconds = timed(() => {
        let acc = leafHash(entries[0] as Buffer);
        for (let i = 1; i < entries.length; i++) acc = nodeHash(acc, leafHash(entries[i] as Buffer));
      });

      const mb = bytes / 1e6;
      console.log(
        `  ${events} events, ${items} items, ${round(mb, 1)} MB canonical JSON; root ${root.slice(0, 16)}...; ` +
          `verify ${round(verifySeconds, 2)} s, sha256sum ${round(sumSeconds, 3)} s, node sha256 ${round(nodeSeconds, 3)} s, ` +
          `merkle ${round(merkleSeconds, 2)} s (root ${merkleRoot === root ? 'matches' : 'DIFFERS'})`,
      );
      return [
        {
          name: 'custody.verify.events_per_s',
          value: round(events / verifySeconds, 0),
          unit: 'events/s',
          baseline: 'sha256sum (same bytes)',
          baselineValue: round(events / sumSeconds, 0),
        },
        {
          name: 'custody.verify.mb_per_s',
          value: round(mb / verifySeconds, 2),
          unit: 'MB/s',
          baseline: 'sha256sum (same bytes)',
          baselineValue: round(mb / sumSeconds, 2),
        },
        {
          name: 'custody.verify.mb_per_s_vs_node',
          value: round(mb / verifySeconds, 2),
          unit: 'MB/s',
          baseline: 'node crypto sha256 (same bytes)',
          baselineValue: round(mb / nodeSeconds, 2),
        },
        {
          name: 'custody.merkle.entries_per_s',
          value: round(events / merkleSeconds, 0),
          unit: 'entries/s',
          baseline: 'same 2n-1 tree hashes, no tree',
          baselineValue: round(events / bareSeconds, 0),
        },
      ];
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}
