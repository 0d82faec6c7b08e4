import { CONFIG_FILE_DOC, CONFIG_FILE_VARIABLE, defaultOf, envNameOf, SETTING_KEYS, SETTINGS, type Setting } from './config-settings.js';

/** One documented variable; `defaultValue` and `meaning` are Markdown, `defaultValue` null when there is none. */
interface DocumentedVariable {
  name: string;
  defaultValue: string | null;
  meaning: string;
}

function documentedVariables(): DocumentedVariable[] {
  const settings = SETTING_KEYS.map((key) => {
    const setting: Setting = SETTINGS[key];
    return { name: envNameOf(key), defaultValue: setting.shownDefault ?? formatDefault(defaultOf(key)), meaning: setting.doc };
  });
  return [...settings, { name: CONFIG_FILE_VARIABLE, defaultValue: null, meaning: CONFIG_FILE_DOC }];
}

function formatDefault(value: unknown): string | null {
  if (value === undefined || value === null || (Array.isArray(value) && value.length === 0)) return null;
  return `\`${Array.isArray(value) ? value.join(',') : String(value)}\``;
}

/** The README's configuration table, generated here and compared with the README by config-docs.test.ts. */
export function configTableMarkdown(): string {
  const cell = (text: string) => text.replaceAll('|', '\\|');
  const rows = documentedVariables().map((v) => `| \`${v.name}\` | ${cell(v.defaultValue ?? 'none')} | ${cell(v.meaning)} |`);
  return ['| Variable | Default | Meaning |', '|---|---|---|', ...rows].join('\n');
}

/** Every variable for the terminal (`aurgate config`): the same rows without Markdown. */
export const CONFIG_VARIABLES: ReadonlyArray<{ name: string; default: string; meaning: string }> = documentedVariables().map((v) => ({
  name: v.name,
  default: v.defaultValue === null ? '(none)' : plainText(v.defaultValue),
  meaning: plainText(v.meaning),
}));

function plainText(markdown: string): string {
  return markdown
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replaceAll('**', '')
    .replaceAll('`', '');
}
