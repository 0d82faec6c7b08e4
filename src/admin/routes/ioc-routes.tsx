import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { grepMirror, type GrepOutcome } from '../../app/ioc.js';
import { AurgateError, describeError, InvalidInput } from '../../errors.js';
import { listIocEntries } from '../../quarantine/ioc-entries.js';
import { getRevision } from '../../quarantine/revisions.js';
import { MAX_LIST_BYTES } from '../../review/ioc.js';
import { signalsOfKind } from '../../sync/signal-store.js';
import type { AdminEnv } from '../auth/http.js';
import type { AdminServices } from '../services.js';
import { IocPage } from '../views/ioc.js';
import { field, formOf, principalOf, requires } from './request.js';

/** The one admin form with a body bound of its own (a pasted IOC list); admin/index.ts bounds the rest. */
export const IOC_IMPORT_PATH = '/admin/ioc/import';

/** The IOC page: grep over every mirrored revision, the lists, and alerts with one-step revocation. */
export function iocRoutes(services: AdminServices): Hono<AdminEnv> {
  const { app, actions } = services;
  const router = new Hono<AdminEnv>();

  router.get('/admin/ioc', async (c) => {
    const pattern = c.req.query('q') ?? '';
    const regex = c.req.query('regex') === '1';
    let grep: GrepOutcome | null = null;
    let grepError: string | null = null;
    if (pattern) {
      try {
        grep = await grepMirror(app, { pattern, regex });
      } catch (error) {
        // A bad pattern is shown beside the form, not as an error page.
        if (!(error instanceof AurgateError)) throw error;
        grepError = describeError(error);
      }
    }
    const alerts = signalsOfKind(app.db, 'ioc-approved').map((signal) => ({
      signal,
      revision: signal.commit ? getRevision(app.db, signal.pkgbase, signal.commit) : null,
    }));
    const view = { query: pattern ? { pattern, regex } : null, grep, grepError, entries: listIocEntries(app.db), alerts };
    return c.html(<IocPage principal={principalOf(c)} view={view} notice={c.req.query('notice')} />);
  });

  // A pasted list is bounded before it is parsed (form encoding can triple its size).
  const limit = bodyLimit({
    maxSize: 3 * MAX_LIST_BYTES,
    onError: () => {
      throw new InvalidInput(`the IOC list is larger than ${MAX_LIST_BYTES} bytes`);
    },
  });

  router.post(IOC_IMPORT_PATH, requires('admin', 'importing IOC lists'), limit, async (c) => {
    const form = await formOf(c);
    await actions.importIoc(principalOf(c), { list: field(form, 'list'), url: field(form, 'url').trim(), text: field(form, 'text') });
    return c.redirect('/admin/ioc?notice=ioc-imported', 303);
  });

  router.post('/admin/ioc/remove', requires('admin', 'changing IOC lists'), async (c) => {
    const id = Number(field(await formOf(c), 'id'));
    actions.removeIoc(principalOf(c), Number.isInteger(id) ? id : -1);
    return c.redirect('/admin/ioc?notice=ioc-removed', 303);
  });

  return router;
}
