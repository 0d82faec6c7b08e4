/**
 * The package entries of a pacman sync database: the `desc` files repo-add writes (`%KEY%`, its
 * values one a line, a blank line), read back concatenated as `bsdtar -xOf <db> '*\/desc'` prints
 * them. Each entry starts with %FILENAME%. The databases are ours (written by repo-add from checked
 * packages), so this only has to be exact, not defensive.
 */
export interface RepoPackage {
  pkgname: string;
  pkgbase: string;
  /** `[epoch:]pkgver-pkgrel` */
  version: string;
  /** The package's own arch: `any` for a package served in every architecture's directory. */
  arch: string;
  filename: string;
  /** The package file's size in bytes. */
  size: number;
  sha256: string;
  depends: string[];
}

export function parseDbEntries(text: string): RepoPackage[] {
  const entries: Array<Map<string, string[]>> = [];
  let key: string | null = null;
  for (const line of text.split('\n')) {
    // A header only follows a blank line: a value line such as a pkgdesc `%NAME%` stays a value.
    const header: RegExpExecArray | null = key === null ? /^%([A-Z0-9]+)%$/.exec(line) : null;
    if (header) {
      const name: string = header[1] ?? '';
      if (name === 'FILENAME') entries.push(new Map());
      entries.at(-1)?.set(name, []);
      key = name;
    } else if (line === '') {
      key = null;
    } else if (key !== null) {
      entries.at(-1)?.get(key)?.push(line);
    }
  }
  return entries.map(toPackage);
}

function toPackage(fields: Map<string, string[]>): RepoPackage {
  const one = (key: string) => fields.get(key)?.[0] ?? '';
  return {
    pkgname: one('NAME'),
    pkgbase: one('BASE') || one('NAME'),
    version: one('VERSION'),
    arch: one('ARCH'),
    filename: one('FILENAME'),
    size: Number(one('CSIZE') || '0'),
    sha256: one('SHA256SUM'),
    depends: fields.get('DEPENDS') ?? [],
  };
}
