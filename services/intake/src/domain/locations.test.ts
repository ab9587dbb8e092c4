import { describe, expect, it } from 'vitest';
import { isDomainError } from '@tamga/contracts';
import { defineLocation, isStorable, mayAccess, type StorageLocation } from './locations.ts';

const now = new Date('2025-03-01T10:00:00Z');
const none = { userIds: [], roles: [] };

function code(fn: () => unknown): string {
  try {
    fn();
    return 'no error';
  } catch (err) {
    return isDomainError(err) ? err.code : String(err);
  }
}

describe('storage locations', () => {
  const store = defineLocation({ locationId: 'st', kind: 'store', name: 'Store', access: { userIds: [], roles: ['technician'] } }, undefined, now);
  const room = defineLocation({ locationId: 'rm', kind: 'room', name: 'Room', parentId: 'st', access: none }, store, now);
  const shelf = defineLocation({ locationId: 'sh', kind: 'shelf', name: 'Shelf 1', parentId: 'rm', access: none }, room, now);
  const bin = defineLocation({ locationId: 'bn', kind: 'bin', name: 'Bin 4', parentId: 'sh', access: { userIds: ['u-1'], roles: [] } }, shelf, now);
  const all = new Map<string, StorageLocation>([store, room, shelf, bin].map((l) => [l.locationId, l]));

  it('builds the path from the store down', () => {
    expect(bin.path).toBe('Store / Room / Shelf 1 / Bin 4');
  });

  it.each([
    ['a room inside a shelf', { locationId: 'x', kind: 'room' as const, name: 'x', parentId: 'sh', access: none }, shelf, 'INTAKE_ERR_LOCATION_HIERARCHY'],
    ['a store with a parent', { locationId: 'x', kind: 'store' as const, name: 'x', parentId: 'st', access: none }, store, 'INTAKE_ERR_LOCATION_HIERARCHY'],
    ['a cabinet without a parent', { locationId: 'x', kind: 'cabinet' as const, name: 'x', access: none }, undefined, 'INTAKE_ERR_LOCATION_HIERARCHY'],
    ['a shelf under a missing parent', { locationId: 'x', kind: 'shelf' as const, name: 'x', parentId: 'zz', access: none }, undefined, 'INTAKE_ERR_LOCATION_NOT_FOUND'],
  ])('refuses %s', (_name, body, parent, expected) => {
    expect(code(() => defineLocation(body, parent, now))).toBe(expected);
  });

  it('inherits access from the nearest ancestor with a list', () => {
    expect(mayAccess({ userId: 'u-9', name: 'T', roles: ['technician'] }, 'sh', all)).toBe(true);
    expect(mayAccess({ userId: 'u-9', name: 'A', roles: ['analyst'] }, 'sh', all)).toBe(false);
    expect(mayAccess({ userId: 'u-9', name: 'T', roles: ['technician'] }, 'bn', all)).toBe(false);
    expect(mayAccess({ userId: 'u-1', name: 'O', roles: ['analyst'] }, 'bn', all)).toBe(true);
  });

  it('stores items in cabinets, shelves and bins only', () => {
    expect([store, room, shelf, bin].map(isStorable)).toEqual([false, false, true, true]);
  });
});
