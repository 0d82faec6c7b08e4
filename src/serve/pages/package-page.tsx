import type { ServedPackage } from '../../store/served-catalog.js';
import { PublicLayout } from './layout.js';

/** The rows a package page and its base's page share: what the approved revision says of the base. */
function baseRows(publicUrl: string, pkg: ServedPackage): Array<[string, string | null]> {
  return [
    ['Package base', pkg.PackageBase],
    ['Version', pkg.Version],
    ['Description', pkg.Description],
    ['Upstream URL', pkg.URL],
    ['Maintainer', pkg.Maintainer ?? '(orphan)'],
    ['Approved commit', pkg.commit],
    ['Git clone URL', `${publicUrl}/${pkg.PackageBase}.git`],
  ];
}

function Rows(props: { rows: Array<[string, string | null]> }) {
  return (
    <>
      {props.rows.map(([label, value]) => (
        <tr>
          <th>{label}</th>
          <td>{value ?? ''}</td>
        </tr>
      ))}
    </>
  );
}

function Links(props: { pkgbase: string }) {
  const h = encodeURIComponent(props.pkgbase);
  return (
    <p>
      <a href={`/cgit/aur.git/snapshot/${props.pkgbase}.tar.gz`}>Snapshot</a> · <a href={`/cgit/aur.git/plain/PKGBUILD?h=${h}`}>PKGBUILD</a> ·{' '}
      <a href={`/cgit/aur.git/tree/?h=${h}`}>Files</a> · <a href={`/cgit/aur.git/log/?h=${h}`}>Log</a>
    </p>
  );
}

/** The package page helpers print (and paru -Gc fetches; it finds an empty comments section here). */
export function packagePage(publicUrl: string, pkg: ServedPackage) {
  return (
    <PublicLayout title={`${pkg.Name} ${pkg.Version}`}>
      <h1>
        {pkg.Name} {pkg.Version}
      </h1>
      <table>
        <tbody>
          <Rows rows={baseRows(publicUrl, pkg)} />
          {pkg.Depends.length > 0 ? <Rows rows={[['Depends', pkg.Depends.join(', ')]]} /> : null}
        </tbody>
      </table>
      <Links pkgbase={pkg.PackageBase} />
      <div class="comments">
        <h3>Comments</h3>
        <p>Comments are not mirrored.</p>
      </div>
    </PublicLayout>
  );
}

/** aurweb's /pkgbase/<name>: the base's approved revision and every package it builds, each linked to its page. */
export function pkgbasePage(publicUrl: string, packages: readonly [ServedPackage, ...ServedPackage[]]) {
  const [first] = packages;
  return (
    <PublicLayout title={`${first.PackageBase} ${first.Version} (package base)`}>
      <h1>
        Package base {first.PackageBase} {first.Version}
      </h1>
      <table>
        <tbody>
          <Rows rows={baseRows(publicUrl, first)} />
        </tbody>
      </table>
      <Links pkgbase={first.PackageBase} />
      <h2>Packages ({packages.length})</h2>
      <ul>
        {packages.map((pkg) => (
          <li>
            <a href={`/packages/${pkg.Name}`}>{pkg.Name}</a>
          </li>
        ))}
      </ul>
    </PublicLayout>
  );
}
