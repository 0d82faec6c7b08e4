import { describe, expect, it } from 'vitest';
import { MAX_CACHEABLE_LS_REFS_BYTES, parseLsRefs, parsePktLines } from './ls-refs.js';

const pkt = (line: string): string => `${(Buffer.byteLength(line) + 4).toString(16).padStart(4, '0')}${line}`;
const request = (...parts: string[]): Buffer => Buffer.from(parts.join(''));

describe('pkt-lines', () => {
  it('splits payloads, flush and delim packets, removing one trailing newline', () => {
    expect(parsePktLines(request(pkt('command=ls-refs\n'), '0001', pkt('peel'), '0000'))).toEqual(['command=ls-refs', 1, 'peel', 0]);
  });

  it('refuses broken framing', () => {
    for (const broken of ['zzzz', '0003', '0002', '00ffshort', '000', 'ABCDpayload']) expect(parsePktLines(Buffer.from(broken)), broken).toBeNull();
  });

  it('keeps distinct bytes distinct', () => {
    const [a] = parsePktLines(Buffer.concat([Buffer.from('0005'), Buffer.from([0xff])])) ?? [];
    const [b] = parsePktLines(Buffer.concat([Buffer.from('0005'), Buffer.from([0xfe])])) ?? [];
    expect(a).not.toEqual(b);
  });
});

describe('ls-refs requests', () => {
  const gitsOwn = request(
    pkt('command=ls-refs\n'),
    pkt('agent=git/2.39.5\n'),
    pkt('object-format=sha1\n'),
    '0001',
    pkt('peel\n'),
    pkt('symrefs\n'),
    pkt('unborn\n'),
    pkt('ref-prefix HEAD\n'),
    pkt('ref-prefix refs/heads/\n'),
    pkt('ref-prefix refs/tags/\n'),
    '0000',
  );

  it('parses what git clone sends', () => {
    expect(parseLsRefs(gitsOwn)).toEqual({
      objectFormat: 'sha1',
      peel: true,
      symrefs: true,
      unborn: true,
      refPrefixes: ['HEAD', 'refs/heads/', 'refs/tags/'],
    });
  });

  it('normalises argument order, duplicates and the agent away', () => {
    const shuffled = request(
      pkt('command=ls-refs\n'),
      pkt('object-format=sha1\n'),
      pkt('agent=someone-else/1.0\n'),
      '0001',
      pkt('ref-prefix refs/tags/\n'),
      pkt('unborn\n'),
      pkt('ref-prefix HEAD\n'),
      pkt('symrefs\n'),
      pkt('ref-prefix refs/heads/\n'),
      pkt('peel\n'),
      pkt('ref-prefix HEAD\n'),
      '0000',
    );
    expect(parseLsRefs(shuffled)).toEqual(parseLsRefs(gitsOwn));
  });

  it('tells apart requests git answers differently', () => {
    const base = parseLsRefs(request(pkt('command=ls-refs\n'), '0001', pkt('ref-prefix refs/heads/\n'), '0000'));
    expect(base).not.toEqual(parseLsRefs(request(pkt('command=ls-refs\n'), '0001', pkt('ref-prefix refs/heads/\n'), pkt('peel\n'), '0000')));
    expect(base).not.toEqual(parseLsRefs(request(pkt('command=ls-refs\n'), '0001', pkt('ref-prefix refs/\n'), '0000')));
    expect(parseLsRefs(request(pkt('command=ls-refs\n'), '0000'))).toEqual({
      objectFormat: null,
      peel: false,
      symrefs: false,
      unborn: false,
      refPrefixes: [],
    });
  });

  it('leaves everything it does not fully understand to git', () => {
    const refused = [
      request(pkt('command=fetch\n'), '0001', pkt('done\n'), '0000'),
      request(pkt('command=ls-refs\n'), '0001', pkt('no-such-argument\n'), '0000'),
      request(pkt('command=ls-refs\n'), pkt('server-option=x\n'), '0000'),
      request(pkt('command=ls-refs\n'), pkt('object-format=sha256\n'), '0000'),
      request(pkt('command=ls-refs\n'), '0001', pkt('peel\n')),
      request(pkt('command=ls-refs\n'), '0001', pkt('peel\n'), '0000', pkt('peel\n'), '0000'),
      request(pkt('command=ls-refs\n'), '0001', pkt('peel\n'), '0001', pkt('peel\n'), '0000'),
      request(pkt('command=ls-refs\n'), '0001', pkt('peel\n'), '0000', 'garbage'),
      request(pkt('command=ls-refs\n'), '0001', ...Array.from({ length: 200 }, (_, i) => pkt(`ref-prefix refs/heads/${i}\n`)), '0000'),
    ];
    expect(refused.at(-1)?.length).toBeGreaterThan(MAX_CACHEABLE_LS_REFS_BYTES);
    for (const body of refused) expect(parseLsRefs(body), body.toString('latin1').slice(0, 80)).toBeNull();
  });
});
