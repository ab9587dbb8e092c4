// Where every item is: the lab-wide inventory row of an item, its status in plain words, and the
// storage path it sits in. Pure: the caller passes the items and the location tree.
import type { CustodyKind, InventoryStatus, LocationKind } from '@tamga/contracts';
import type { ItemState } from './custody.ts';
import type { StorageLocation } from './locations.ts';

export type { InventoryStatus };

export interface LocationStep {
  locationId: string;
  kind: LocationKind;
  name: string;
}

export interface InventoryRow {
  labNo: string;
  caseId: string;
  agencyId: string;
  exhibitNo: string;
  description: string;
  status: InventoryStatus;
  /** Store > room > cabinet > shelf, outermost first; absent when a person holds the item. */
  location?: { locationId: string; path: LocationStep[] };
  /** The person holding the item (for a returned item: who received it for the agency). */
  holder?: { userId: string; name: string };
  /** A hand-over offered and not yet accepted. */
  pendingTransferTo?: { userId: string; name: string };
  lastCustody: { kind: CustodyKind; time: string };
}

export interface InventoryFilter {
  /** Items stored at this location or anywhere below it. */
  locationId?: string | undefined;
  holder?: string | undefined;
  status?: InventoryStatus | undefined;
  caseId?: string | undefined;
}

export function statusOf(item: ItemState): InventoryStatus {
  if (item.status === 'destroyed') return 'destroyed';
  if (item.status === 'returned') return 'returned';
  if (item.lastCustody?.kind === 'sent_for_analysis') return 'sent_for_analysis';
  return item.custodian.kind === 'location' ? 'in_storage' : 'with_person';
}

/** The locations from the store down to `locationId` (a broken tree ends the walk). */
export function locationTrail(locationId: string, locations: ReadonlyMap<string, StorageLocation>): LocationStep[] {
  const trail: LocationStep[] = [];
  let current = locations.get(locationId);
  for (let depth = 0; current && depth < 8; depth++) {
    trail.unshift({ locationId: current.locationId, kind: current.kind, name: current.name });
    current = current.parentId === undefined ? undefined : locations.get(current.parentId);
  }
  return trail;
}

export function inventoryRowOf(item: ItemState, locations: ReadonlyMap<string, StorageLocation>): InventoryRow {
  const c = item.custodian;
  return {
    labNo: item.labNo,
    caseId: item.caseId,
    agencyId: item.agencyId,
    exhibitNo: item.exhibitNo,
    description: item.description,
    status: statusOf(item),
    ...(c.kind === 'location' ? { location: { locationId: c.locationId, path: locationTrail(c.locationId, locations) } } : { holder: { userId: c.userId, name: c.name } }),
    ...(item.pendingTransfer ? { pendingTransferTo: item.pendingTransfer.to } : {}),
    lastCustody: item.lastCustody ?? { kind: 'received', time: item.receivedAt },
  };
}

export function matchesInventoryFilter(row: InventoryRow, filter: InventoryFilter): boolean {
  if (filter.status !== undefined && row.status !== filter.status) return false;
  if (filter.caseId !== undefined && row.caseId !== filter.caseId) return false;
  if (filter.holder !== undefined && row.holder?.userId !== filter.holder) return false;
  if (filter.locationId !== undefined && !(row.location?.path.some((step) => step.locationId === filter.locationId) ?? false)) return false;
  return true;
}
