// Listing reference libraries and their versions (imports are raw uploads, see spectra.ts).
import type { ServiceApp } from '@tamga/service-kit';
import { ANALYTICAL_STAFF } from './access.ts';
import type { RouteContext } from './context.ts';

export function libraryReadRoutes(app: ServiceApp, ctx: RouteContext): void {
  app.get('/v1/libraries', { config: { roles: ANALYTICAL_STAFF } }, async () => {
    const docs = await ctx.catalogue.list();
    return { libraries: docs.map(({ _id, _v, ...d }) => ({ id: _id, ...d })) };
  });
}
