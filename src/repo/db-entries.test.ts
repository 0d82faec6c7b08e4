import { describe, expect, it } from 'vitest';
import { parseDbEntries } from './db-entries.js';

/** Two desc files as repo-add 6.0.2 wrote them and `bsdtar -xOf aurgate.db.tar.gz '*\/desc'` prints them. */
const DESCS = `%FILENAME%
aurgate-test-app-2.0-1-x86_64.pkg.tar.zst

%NAME%
aurgate-test-app

%BASE%
aurgate-test-app

%VERSION%
2.0-1

%DESC%
%FILENAME%

%CSIZE%
1118

%SHA256SUM%
e3cee1bc0efa411b215ddd8f3b1b10fd5008b4fdd270f5ff0bad8829fe4aa647

%ARCH%
x86_64

%DEPENDS%
aurgate-test-lib
glibc

%FILENAME%
aurgate-test-lib-1:1.0-1-any.pkg.tar.zst

%NAME%
aurgate-test-lib

%VERSION%
1:1.0-1

%CSIZE%
1106

%ARCH%
any

`;

describe('sync database entries', () => {
  it('reads each package of the concatenated desc files, a value that looks like a header included', () => {
    expect(parseDbEntries(DESCS)).toEqual([
      {
        pkgname: 'aurgate-test-app',
        pkgbase: 'aurgate-test-app',
        version: '2.0-1',
        arch: 'x86_64',
        filename: 'aurgate-test-app-2.0-1-x86_64.pkg.tar.zst',
        size: 1118,
        sha256: 'e3cee1bc0efa411b215ddd8f3b1b10fd5008b4fdd270f5ff0bad8829fe4aa647',
        depends: ['aurgate-test-lib', 'glibc'],
      },
      {
        pkgname: 'aurgate-test-lib',
        pkgbase: 'aurgate-test-lib',
        version: '1:1.0-1',
        arch: 'any',
        filename: 'aurgate-test-lib-1:1.0-1-any.pkg.tar.zst',
        size: 1106,
        sha256: '',
        depends: [],
      },
    ]);
  });

  it('reads an empty database as no packages', () => {
    expect(parseDbEntries('')).toEqual([]);
  });
});
