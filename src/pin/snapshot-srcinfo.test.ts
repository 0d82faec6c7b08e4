import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { SnapshotSrcinfo } from './snapshot-srcinfo.js';

/** A ustar header block: enough of the format for the reader (name, size, type, prefix, checksum). */
function header(name: string, size: number, type = '0', prefix = ''): Buffer {
  const block = Buffer.alloc(512);
  block.write(name, 0, 100, 'utf8');
  block.write('0000644\0', 100);
  block.write(`${size.toString(8).padStart(11, '0')}\0`, 124);
  block.write(type, 156);
  block.write('ustar\0' + '00', 257);
  block.write(prefix, 345, 155, 'utf8');
  block.write(' '.repeat(8), 148);
  const sum = block.reduce((total, byte) => total + byte, 0);
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return block;
}

function file(name: string, content: string, type = '0', prefix = ''): Buffer {
  const bytes = Buffer.from(content);
  return Buffer.concat([header(name, bytes.length, type, prefix), bytes, Buffer.alloc((512 - (bytes.length % 512)) % 512)]);
}

const pax = (records: string): Buffer => file('pax_header', records, 'x');
const end = Buffer.alloc(1024);

async function read(pkgbase: string, archive: Buffer, chunkSize = 100): Promise<{ text: string } | { error: string }> {
  const reader = new SnapshotSrcinfo(pkgbase);
  for (let offset = 0; offset < archive.length; offset += chunkSize) await reader.write(archive.subarray(offset, offset + chunkSize));
  return reader.result();
}

describe('SnapshotSrcinfo', () => {
  it('finds <pkgbase>/.SRCINFO among other entries, whatever the chunking', async () => {
    const srcinfo = 'pkgbase = app\n\tpkgver = 1\n'.repeat(40);
    const archive = gzipSync(
      Buffer.concat([
        file('pax_global_header', '52 comment=0123456789012345678901234567890123456789\n', 'g'),
        file('app/', '', '5'),
        file('app/PKGBUILD', 'x'.repeat(700)),
        file('app/.SRCINFO', srcinfo),
        end,
      ]),
    );
    for (const size of [1, 7, 512, archive.length]) expect(await read('app', archive, size)).toEqual({ text: srcinfo });
  });

  it('reads long names from the ustar prefix and from a pax path record', async () => {
    const long = 'l'.repeat(120);
    const prefixed = gzipSync(Buffer.concat([file('.SRCINFO', 'a', '0', long), end]));
    expect(await read(long, prefixed)).toEqual({ text: 'a' });
    const record = `path=${long}/.SRCINFO\n`;
    const withPax = gzipSync(Buffer.concat([pax(`${record.length + 4} ${record}`), file('ignored', 'b'), end]));
    expect(await read(long, withPax)).toEqual({ text: 'b' });
  });

  it('says so when the file is absent, in another directory, or the bytes are not gzip', async () => {
    expect(await read('app', gzipSync(Buffer.concat([file('other/.SRCINFO', 'x'), end])))).toEqual({ error: 'the snapshot has no app/.SRCINFO' });
    expect(await read('app', Buffer.from('not gzip at all'))).toMatchObject({ error: expect.stringContaining('not gzip') });
  });
});
