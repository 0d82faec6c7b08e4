import { Hono } from 'hono';
import { errorReplyFor } from '../error-mapping.js';
import { DependencyCycle, InvalidInput, MissingDependencies } from '../errors.js';
import { parseLockFormat, renderLock } from '../pin/format.js';
import { MAX_LOCK_PACKAGES } from '../pin/lock-file.js';
import { assertPackageName } from '../srcinfo/names.js';
import { createLock, dependencyStatus, type LockDeps } from '../app/lock.js';

/** `verify` asks about every unresolved dependency of a lock at once; bounded like a lock. */
const MAX_DEPENDENCY_NAMES = MAX_LOCK_PACKAGES * 4;

/** `allow-missing`, `allow-missing=1` and `allow-missing=true` turn it on; absent, `0` or `false` leave it off. */
function flag(value: string | undefined): boolean {
  if (value === undefined || value === '0' || value === 'false') return false;
  if (value === '' || value === '1' || value === 'true') return true;
  throw new InvalidInput('allow-missing takes 1, true, 0 or false');
}

/**
 * `GET /api/v1/lock?pkg=a&pkg=b` (or `pkg=a,b`), optionally `&format=dockerfile|dockerfile-portable|git` and
 * `&allow-missing=1`. Answers what `aurgate lock` prints; errors are JSON `{ "error": … }` with the
 * domain error's status, so a build script sees which name is not served (with `missing` listing
 * each unserved AUR dependency, or `cycle` the packages that depend on each other).
 */
export function lockRoutes(deps: LockDeps): Hono {
  const app = new Hono();
  app.get('/api/v1/lock', async (c) => {
    try {
      const format = parseLockFormat(c.req.query('format'));
      const lock = await createLock(deps, c.req.queries('pkg') ?? [], { allowMissing: flag(c.req.query('allow-missing')) });
      // generatedAt changes on every call and the served head may move: never cache a lock.
      c.header('Cache-Control', 'no-store');
      // The text forms have no place for the gaps: their names go into a header (package names only).
      if (lock.missing) c.header('Aurgate-Missing', lock.missing.map((gap) => gap.name).join(', '));
      if (format === 'json') return c.json(lock);
      return c.text(renderLock(lock, format));
    } catch (error) {
      const reply = errorReplyFor(error);
      // Internal errors go on to the app's handler, which logs them.
      if (reply.internal) throw error;
      return c.json(
        {
          error: reply.message,
          ...(error instanceof MissingDependencies ? { missing: error.missing } : {}),
          ...(error instanceof DependencyCycle ? { cycle: error.cycle } : {}),
        },
        reply.status,
      );
    }
  });

  /**
   * `GET /api/v1/lock/dependencies?name=a&name=b`: what each dependency name is to this server
   * (`served` with the pkgname and pkgbase that satisfy it, `missing` with why, or `external`), for
   * `aurgate verify`, which reads a locked revision's dependencies from its snapshot.
   */
  app.get('/api/v1/lock/dependencies', (c) => {
    try {
      const names = [...new Set((c.req.queries('name') ?? []).flatMap((value) => value.split(',')).filter(Boolean))];
      if (names.length === 0) throw new InvalidInput('name at least one dependency');
      if (names.length > MAX_DEPENDENCY_NAMES) throw new InvalidInput(`at most ${MAX_DEPENDENCY_NAMES} names per request`);
      const dependencies = names.map((name) => ({ name: assertPackageName(name), ...dependencyStatus(deps, name) }));
      c.header('Cache-Control', 'no-store');
      return c.json({ dependencies });
    } catch (error) {
      const reply = errorReplyFor(error);
      if (reply.internal) throw error;
      return c.json({ error: reply.message }, reply.status);
    }
  });
  return app;
}
