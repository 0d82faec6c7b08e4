import { InvalidInput } from '../errors.js';

/**
 * The AUR's package name rule (aurweb: `[a-z0-9][a-z0-9.+_-]*`), applied to pkgnames and pkgbases alike.
 * Every name that reaches a path, a git argument or SQL passes through here first; this is the only
 * place the rule lives. The length cap keeps names well inside filesystem and URL limits.
 */
const PACKAGE_NAME = /^[a-z0-9][a-z0-9.+_-]*$/;
export const MAX_PACKAGE_NAME_LENGTH = 255;

export function isValidPackageName(name: string): boolean {
  return name.length <= MAX_PACKAGE_NAME_LENGTH && PACKAGE_NAME.test(name) && !name.includes('..');
}

/** Returns the name unchanged, or throws InvalidInput naming the rule. */
export function assertPackageName(name: string, what = 'package name'): string {
  if (!isValidPackageName(name)) {
    const shown = name.length > 80 ? `${name.slice(0, 80)}…` : name;
    throw new InvalidInput(
      `invalid ${what} ${JSON.stringify(shown)}: must match [a-z0-9][a-z0-9.+_-]*, at most ${MAX_PACKAGE_NAME_LENGTH} characters, without ".."`,
      { pkgname: undefined },
    );
  }
  return name;
}

const FULL_SHA = /^[0-9a-f]{40}$/;
const SHA_PREFIX = /^[0-9a-f]{7,40}$/;

export function isFullCommitId(value: string): boolean {
  return FULL_SHA.test(value);
}

export function isCommitIdPrefix(value: string): boolean {
  return SHA_PREFIX.test(value);
}
