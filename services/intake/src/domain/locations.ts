// Storage locations: store > room > cabinet > shelf > bin. Access is a list of users and roles;
// a location whose lists are both empty inherits its parent's access.
import type { CreateLocationBody, LocationKind } from '@tamga/contracts';
import { IntakeErrors } from './errors.ts';

export interface StorageLocation extends CreateLocationBody {
  /** Names from the store down to this location, e.g. "Main store / Room 2 / Cabinet A / Shelf 3". */
  path: string;
  createdAt: string;
}

export interface Person {
  userId: string;
  name: string;
  roles: readonly string[];
}

const RANK: Record<LocationKind, number> = { store: 0, room: 1, cabinet: 2, shelf: 3, bin: 4 };

export function defineLocation(body: CreateLocationBody, parent: StorageLocation | undefined, now: Date): StorageLocation {
  if (body.kind === 'store') {
    if (body.parentId !== undefined) throw IntakeErrors.INTAKE_ERR_LOCATION_HIERARCHY('A store has no parent', { errors: [{ field: 'parentId', message: 'a store has no parent' }] });
    return { ...body, path: body.name, createdAt: now.toISOString() };
  }
  if (body.parentId === undefined) {
    throw IntakeErrors.INTAKE_ERR_LOCATION_HIERARCHY(`A ${body.kind} needs a parent`, { errors: [{ field: 'parentId', message: 'required' }] });
  }
  if (!parent) throw IntakeErrors.INTAKE_ERR_LOCATION_NOT_FOUND(`No location "${body.parentId}"`);
  if (RANK[parent.kind] >= RANK[body.kind]) {
    throw IntakeErrors.INTAKE_ERR_LOCATION_HIERARCHY(`A ${body.kind} cannot sit inside a ${parent.kind}`, {
      errors: [{ field: 'parentId', message: `a ${parent.kind} cannot hold a ${body.kind}` }],
    });
  }
  return { ...body, path: `${parent.path} / ${body.name}`, createdAt: now.toISOString() };
}

/** Whether items may be put in this location (not a whole store or room). */
export function isStorable(location: StorageLocation): boolean {
  return RANK[location.kind] >= RANK.cabinet;
}

/** May `person` put items in or take them from `locationId`? Walks up to the nearest explicit access list. */
export function mayAccess(person: Person, locationId: string, locations: ReadonlyMap<string, StorageLocation>): boolean {
  let current = locations.get(locationId);
  for (let depth = 0; current && depth < 8; depth++) {
    const { userIds, roles } = current.access;
    if (userIds.length > 0 || roles.length > 0) {
      return userIds.includes(person.userId) || person.roles.some((r) => roles.includes(r));
    }
    current = current.parentId === undefined ? undefined : locations.get(current.parentId);
  }
  return person.roles.includes('admin');
}
