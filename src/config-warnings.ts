import { CONFIG_FILE_VARIABLE, envNameOf, SETTING_KEYS, TOOLING_PREFIX, TOOLING_VARIABLES, type SettingKey } from './config-settings.js';

/** A name in the environment or the config file that aurgate does not know, so it has no effect. */
export interface ConfigWarning {
  /** The variable or config-file key as written. */
  readonly name: string;
  readonly message: string;
}

const KNOWN_VARIABLES = new Set([...SETTING_KEYS.map(envNameOf), CONFIG_FILE_VARIABLE, ...TOOLING_VARIABLES]);

/**
 * Every AURGATE_* variable that is neither a setting nor one of the tooling's: a typo there would
 * otherwise silently leave the default in force. A warning, not an error, so an old or foreign
 * variable in a shared environment never stops the server.
 */
export function unknownVariableWarnings(env: NodeJS.ProcessEnv): ConfigWarning[] {
  return Object.keys(env)
    .filter((name) => name.startsWith('AURGATE_') && !KNOWN_VARIABLES.has(name) && !name.startsWith(TOOLING_PREFIX))
    .sort()
    .map((name) => {
      const near = closest(name, (key) => envNameOf(key));
      return { name, message: `${name} is not a variable aurgate knows, so it is ignored${near ? ` (did you mean ${near}?)` : ''}` };
    });
}

/** Keys of the AURGATE_CONFIG file that are no setting (zod drops them); they are named, not refused. */
export function unknownFileKeyWarnings(file: string, keys: readonly string[]): ConfigWarning[] {
  const known = new Set<string>(SETTING_KEYS);
  return keys
    .filter((key) => !known.has(key))
    .map((key) => {
      const near = closest(key, (setting) => setting);
      return {
        name: key,
        message: `${CONFIG_FILE_VARIABLE} ${file}: "${key}" is not a setting aurgate knows, so it is ignored${near ? ` (did you mean "${near}"?)` : ''}`,
      };
    });
}

/**
 * The setting a misspelled name most likely meant, spelled as `nameOf` gives it, or null when none is
 * close. Names are compared without case, separators or the AURGATE_ prefix, against both the key and
 * the variable, so `AURGATE_DATADIR`, `data_dir` and `AURGATE_CLI_TOKEN` all find their setting.
 */
function closest(name: string, nameOf: (key: SettingKey) => string): string | null {
  const wanted = normalise(name);
  let best: { key: SettingKey; distance: number } | null = null;
  for (const key of SETTING_KEYS) {
    for (const spelling of [normalise(key), normalise(envNameOf(key))]) {
      const distance = editDistance(wanted, spelling);
      const close = distance <= Math.max(2, Math.floor(Math.max(wanted.length, spelling.length) / 3));
      if (close && (best === null || distance < best.distance)) best = { key, distance };
    }
  }
  return best ? nameOf(best.key) : null;
}

function normalise(name: string): string {
  return name
    .toLowerCase()
    .replace(/^aurgate_/, '')
    .replace(/[^a-z0-9]/g, '');
}

/**
 * Levenshtein distance. Hand-written: a dozen lines for a check that runs once at start-up over a
 * handful of short names does not justify a dependency.
 */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
