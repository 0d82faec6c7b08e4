import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configTableMarkdown } from './config-docs.js';

const README = new URL('../README.md', import.meta.url);

describe("README's configuration table", () => {
  it('is the table generated from the settings (regenerate it with `npx aurgate config --markdown`)', () => {
    const readme = readFileSync(README, 'utf8');
    const block = /<!-- config-table[^>]*-->\n([\s\S]*?)\n<!-- \/config-table -->/.exec(readme);
    expect(block, 'README.md lost its <!-- config-table --> markers').not.toBeNull();
    expect(block?.[1]?.trim()).toBe(configTableMarkdown());
  });
});
