// Who is acting: roles, the authenticated principal (the verified token claims) and the actor
// recorded on events.
import { z } from 'zod';
import { AgencyId, LabCode, PersonName, UserId } from './common.ts';

export const Role = z.enum(['technician', 'analyst', 'reviewer', 'qa_manager', 'investigator', 'admin']);
export type Role = z.infer<typeof Role>;

/** Roles of laboratory staff: they see every agency's cases. */
export const LAB_STAFF_ROLES: readonly Role[] = ['technician', 'analyst', 'reviewer', 'qa_manager', 'admin'];

/**
 * The authenticated caller, as carried in the JWT claims the portal issues:
 * `sub`, `name`, `roles`, `lab`, and `agencyId` for investigators (required for them).
 */
export const Principal = z
  .object({
    sub: UserId,
    name: PersonName,
    roles: z.array(Role).min(1),
    agencyId: AgencyId.optional(),
    lab: LabCode,
  })
  .refine((p) => !p.roles.includes('investigator') || p.agencyId !== undefined, {
    message: 'investigators must carry agencyId',
    path: ['agencyId'],
  });
export type Principal = z.infer<typeof Principal>;

/** Role recorded on an event: a person's role, or `system` for a service acting on its own. */
export const ActorRole = z.union([Role, z.literal('system')]);
export type ActorRole = z.infer<typeof ActorRole>;

/** Who caused an event. */
export const Actor = z.object({
  id: UserId,
  name: PersonName,
  role: ActorRole,
});
export type Actor = z.infer<typeof Actor>;

/** The actor of an event caused by `principal` acting in `role` (default: their first role). */
export function actorOf(principal: Principal, role: Role = principal.roles[0] ?? 'technician'): Actor {
  return { id: principal.sub, name: principal.name, role };
}

/** The actor of an event a service emits on its own (e.g. reporting issuing a report). */
export function systemActor(service: string): Actor {
  return { id: `service:${service}`, name: service, role: 'system' };
}
