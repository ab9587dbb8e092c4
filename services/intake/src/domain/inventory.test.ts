import { describe, expect, it } from 'vitest';
import type { ReceiveItemBody } from '@tamga/contracts';
import { decideCustody, evolveItem, receiveItem, type CustodyCommand, type ItemState } from './custody.ts';
import { inventoryRowOf, locationTrail, matchesInventoryFilter, statusOf } from './inventory.ts';
import { defineLocation, type Person, type StorageLocation } from './locations.ts';

const now = new Date('2025-03-01T10:00:00.000Z');
const ana: Person = { userId: 'u-ana', name: 'Анна Петрова', roles: ['technician'] };
const bek: Person = { userId: 'u-bek', name: 'Бекзод Юсупов', roles: ['technician'] };

function tree(): Map<string, StorageLocation> {
  const st = defineLocation({ locationId: 'st', kind: 'store', name: 'Main store', access: { userIds: [], roles: ['technician'] } }, undefined, now);
  const rm = defineLocation({ locationId: 'rm', kind: 'room', name: 'Room 2', parentId: 'st', access: { userIds: [], roles: [] } }, st, now);
  const cab = defineLocation({ locationId: 'cab', kind: 'cabinet', name: 'Cabinet A', parentId: 'rm', access: { userIds: [], roles: [] } }, rm, now);
  const sh = defineLocation({ locationId: 'sh', kind: 'shelf', name: 'Shelf 3', parentId: 'cab', access: { userIds: [], roles: [] } }, cab, now);
  return new Map([st, rm, cab, sh].map((l) => [l.locationId, l]));
}

const receipt: ReceiveItemBody = {
  exhibitNo: 'E-1',
  description: 'powder',
  packaging: 'envelope',
  seals: [{ number: 'S-1', intact: true }],
  grossWeight: { grams: 1, balanceId: 'B' },
  condition: 'good',
  photos: [],
  deliveredBy: { name: 'Courier' },
};

function itemAfter(steps: readonly [Person, CustodyCommand][]): ItemState {
  const ctx = (actor: Person) => ({ now, actor, locations: tree() });
  let item = receiveItem({ labNo: 'TMG-2025-000001-01', caseId: 'TMG-2025-000001', agencyId: 'police', body: receipt }, ctx(ana)).item;
  for (const [actor, command] of steps) for (const r of decideCustody(command, item, ctx(actor))) item = evolveItem(item, r);
  return item;
}

describe('inventory rows', () => {
  // given custody steps / then status
  const table: { name: string; steps: [Person, CustodyCommand][]; status: string }[] = [
    { name: 'just received: with the technician', steps: [], status: 'with_person' },
    { name: 'stored on a shelf', steps: [[ana, { kind: 'store', locationId: 'sh' }]], status: 'in_storage' },
    { name: 'sent for analysis', steps: [[ana, { kind: 'send_for_analysis', requestId: 'r1' }]], status: 'sent_for_analysis' },
    { name: 'returned to the agency', steps: [[ana, { kind: 'return_to_agency', to: { name: 'Sgt. K' }, authority: 'letter' }]], status: 'returned' },
    {
      name: 'destroyed',
      steps: [
        [ana, { kind: 'propose_destruction', authority: 'order', method: 'incineration' }],
        [bek, { kind: 'witness_destruction' }],
      ],
      status: 'destroyed',
    },
  ];
  for (const row of table) {
    it(`says ${row.status} for an item ${row.name}`, () => {
      expect(statusOf(itemAfter(row.steps))).toBe(row.status);
    });
  }

  it('shows the storage path store > room > cabinet > shelf and the last custody event', () => {
    const row = inventoryRowOf(itemAfter([[ana, { kind: 'store', locationId: 'sh' }]]), tree());
    expect(row.location?.path.map((s) => `${s.kind}:${s.name}`)).toEqual(['store:Main store', 'room:Room 2', 'cabinet:Cabinet A', 'shelf:Shelf 3']);
    expect(row.holder).toBeUndefined();
    expect(row.lastCustody).toEqual({ kind: 'stored', time: now.toISOString() });
  });

  it('matches a location filter for the whole subtree only', () => {
    const row = inventoryRowOf(itemAfter([[ana, { kind: 'store', locationId: 'sh' }]]), tree());
    for (const id of ['st', 'rm', 'cab', 'sh']) expect(matchesInventoryFilter(row, { locationId: id })).toBe(true);
    expect(matchesInventoryFilter(row, { locationId: 'elsewhere' })).toBe(false);
    const held = inventoryRowOf(itemAfter([]), tree());
    expect(matchesInventoryFilter(held, { locationId: 'st' })).toBe(false);
    expect(matchesInventoryFilter(held, { holder: 'u-ana', status: 'with_person', caseId: 'TMG-2025-000001' })).toBe(true);
    expect(matchesInventoryFilter(held, { holder: 'u-bek' })).toBe(false);
  });

  it('ends the path where the tree is broken rather than failing', () => {
    expect(locationTrail('missing', tree())).toEqual([]);
  });
});
