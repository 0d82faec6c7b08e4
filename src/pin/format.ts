import { z } from 'zod';
import { InvalidInput } from '../errors.js';
import { isFullCommitId, isValidPackageName } from '../srcinfo/names.js';
import { buildPath, byPkgbase, shellWord } from './build-layout.js';
import { renderPortableDockerfile } from './format-portable.js';
import { LOCK_FORMAT_VERSION, MAX_LOCK_PACKAGES, type LockFile } from './lock-file.js';

export const LOCK_FORMATS = ['json', 'dockerfile', 'git', 'dockerfile-portable'] as const;
export type LockFormat = (typeof LOCK_FORMATS)[number];

export function parseLockFormat(value: string | undefined): LockFormat {
  const format = value ?? 'json';
  if (!(LOCK_FORMATS as readonly string[]).includes(format))
    throw new InvalidInput(`unknown lock format ${JSON.stringify(format)}: use ${LOCK_FORMATS.join(', ')}`);
  return format as LockFormat;
}

export { buildPath, shellWord } from './build-layout.js';

export function renderLock(lock: LockFile, format: LockFormat): string {
  switch (format) {
    case 'json':
      return `${JSON.stringify(lock, null, 2)}\n`;
    case 'dockerfile':
      return renderDockerfile(lock);
    case 'dockerfile-portable':
      return renderPortableDockerfile(lock);
    case 'git':
      return renderGit(lock);
  }
}

/**
 * BuildKit `ADD --checksum` lines: the builder itself refuses bytes with another sha256, so a build
 * cannot get anything but the reviewed archive even if the server or the network lies. Comments
 * carry the human-readable context (they are plain comments, never parser directives: no `=`).
 */
function renderDockerfile(lock: LockFile): string {
  const lines = [`# aurgate lock from ${lock.server} at ${lock.generatedAt}`];
  for (const entry of byPkgbase(lock)) {
    lines.push(`# ${entry.pkgbase} ${entry.version ?? '?'} ${entry.commit} approved by ${entry.approvedBy ?? '?'}`);
    lines.push(`ADD --checksum=sha256:${entry.sha256} ${entry.url} ${buildPath(entry.pkgbase)}.tar.gz`);
  }
  return `${lines.join('\n')}\n`;
}

/** The git form pins by commit id and checks that HEAD really is that commit after checkout. */
function renderGit(lock: LockFile): string {
  const server = lock.server.replace(/\/+$/, '');
  const lines = byPkgbase(lock).map((entry) => {
    const dir = buildPath(entry.pkgbase);
    return `git clone ${shellWord(`${server}/${entry.pkgbase}.git`)} ${dir} && git -C ${dir} checkout --detach ${entry.commit} && test "$(git -C ${dir} rev-parse HEAD)" = ${entry.commit}`;
  });
  return `${lines.join('\n')}\n`;
}

const packageName = z.string().refine(isValidPackageName, 'not a package name');

const entrySchema = z.object({
  pkgname: z.string().refine(isValidPackageName, 'not a package name'),
  pkgbase: z.string().refine(isValidPackageName, 'not a package name'),
  version: z.string().nullable(),
  commit: z.string().refine(isFullCommitId, 'not a full commit id'),
  url: z.string().url(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'not a sha256 hex digest'),
  approvedBy: z.string().nullable(),
  approvedAt: z.string().nullable(),
  attestation: z
    .object({
      url: z.string().url(),
      sha256: z.string().regex(/^[0-9a-f]{64}$/, 'not a sha256 hex digest'),
      logIndex: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
    })
    .optional(),
  requested: z.boolean().optional(),
  requiredBy: z.array(packageName).max(MAX_LOCK_PACKAGES).optional(),
  dependencies: z.array(packageName).max(MAX_LOCK_PACKAGES).optional(),
});

const gapSchema = z.object({ name: packageName, reason: z.string().max(200), requiredBy: z.array(packageName).max(MAX_LOCK_PACKAGES) });

const lockSchema = z.object({
  version: z.literal(LOCK_FORMAT_VERSION),
  server: z
    .string()
    .url()
    .refine((value) => /^https?:\/\//.test(value), 'must be an http:// or https:// URL'),
  generatedAt: z.string(),
  packages: z.array(entrySchema).min(1),
  missing: z.array(gapSchema).max(MAX_LOCK_PACKAGES).optional(),
});

/** Reads a JSON lock field by field: a lock file is input like any other and may be hand-edited. */
export function parseLock(text: string, source = 'lock file'): LockFile {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new InvalidInput(`${source} is not JSON`, { cause: error });
  }
  const parsed = lockSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
    throw new InvalidInput(`${source} is not an aurgate lock (version ${LOCK_FORMAT_VERSION}): ${problems.slice(0, 5).join('; ')}`);
  }
  return parsed.data;
}
