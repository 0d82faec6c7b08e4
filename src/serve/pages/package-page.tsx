import type { ServedPackage } from '../../store/served-catalog.js';
import { PublicLayout } from './layout.js';

/** The package page helpers print (and paru -Gc fetches; it finds an empty comments section here). */
export function packagePage(publicUrl: string, pkg: ServedPackage) {
  const rows: Array<[string, string | null]> = [
    ['Package base', pkg.PackageBase],
    ['Version', pkg.Version],
    ['Description', pkg.Description],
    ['Upstream URL', pkg.URL],
    ['Maintainer', pkg.Maintainer ?? '(orphan)'],
    ['Approved commit', pkg.commit],
    ['Git clone URL', `${publicUrl}/${pkg.PackageBase}.git`],
  ];
  return (
    <PublicLayout title={`${pkg.Name} ${pkg.Version}`}>
      <h1>
        {pkg.Name} {pkg.Version}
      </h1>
      <table>
        <tbody>
          {rows.map(([label, value]) => (
            <tr>
              <th>{label}</th>
              <td>{value ?? ''}</td>
            </tr>
          ))}
          {pkg.Depends.length > 0 ? (
            <tr>
              <th>Depends</th>
              <td>{pkg.Depends.join(', ')}</td>
            </tr>
          ) : null}
        </tbody>
      </table>
      <p>
        <a href={`/cgit/aur.git/snapshot/${pkg.PackageBase}.tar.gz`}>Snapshot</a> ·{' '}
        <a href={`/cgit/aur.git/plain/PKGBUILD?h=${pkg.PackageBase}`}>PKGBUILD</a> · <a href={`/cgit/aur.git/log/?h=${pkg.PackageBase}`}>Log</a>
      </p>
      <div class="comments">
        <h3>Comments</h3>
        <p>Comments are not mirrored.</p>
      </div>
    </PublicLayout>
  );
}
