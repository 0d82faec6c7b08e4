import { PublicLayout } from './layout.js';

/** What this server is and the exact settings each AUR helper needs to use it. */
export function frontPage(publicUrl: string, packageCount: number, baseCount: number) {
  const host = publicUrl.replace(/\/+$/, '');
  return (
    <PublicLayout title="aurgate — reviewed AUR mirror">
      <h1>aurgate</h1>
      <p>
        A private mirror of the Arch User Repository. Every revision served here was reviewed and approved; new upstream changes wait in quarantine
        until a reviewer approves them. It serves <strong>{packageCount}</strong> packages ({baseCount} package bases).
      </p>
      <h2>Use it</h2>
      <h3>yay</h3>
      <pre>{`yay --aururl ${host} --save\n# or once: yay --aururl ${host} -S <package>`}</pre>
      <h3>paru</h3>
      <pre>{`# /etc/paru.conf or ~/.config/paru/paru.conf\n[options]\nAurUrl = ${host}\nAurRpcUrl = ${host}/rpc`}</pre>
      <h3>pikaur</h3>
      <pre>{`# ~/.config/pikaur.conf\n[network]\naururl = ${host}`}</pre>
      <h3>aurutils</h3>
      <pre>{`export AUR_LOCATION=${host}`}</pre>
      <h3>git and makepkg</h3>
      <pre>{`git clone ${host}/<pkgbase>.git && cd <pkgbase> && makepkg -si`}</pre>
      <h2>Endpoints</h2>
      <ul>
        <li>
          <code>/rpc</code>, <code>/rpc/v5/…</code>: AUR RPC v5 (info, search, suggest)
        </li>
        <li>
          <code>/&lt;pkgbase&gt;.git</code>, <code>/&lt;pkgbase&gt;</code>: git clone and fetch (approved history only)
        </li>
        <li>
          <code>/cgit/aur.git/snapshot/&lt;pkgbase&gt;.tar.gz</code>, <code>/cgit/aur.git/plain/PKGBUILD?h=&lt;name&gt;</code>
        </li>
        <li>
          <code>/snapshot/&lt;pkgbase&gt;/&lt;commit&gt;.tar.gz</code>: immutable, checksummed archives for pinned builds
        </li>
        <li>
          <code>/cgit/aur.git/tree/?h=&lt;name&gt;</code>, <code>/cgit/aur.git/log/?h=&lt;name&gt;</code>, <code>/pkgbase/&lt;pkgbase&gt;</code>,{' '}
          <code>/packages/&lt;name&gt;</code>: browse what is served
        </li>
        <li>
          <a href="/rss/">/rss/</a>, <a href="/rss/modified">/rss/modified</a>: the most recently approved packages
        </li>
        <li>
          <a href="/packages.gz">/packages.gz</a>, <a href="/pkgbase.gz">/pkgbase.gz</a>, <a href="/users.gz">/users.gz</a>,{' '}
          <a href="/packages-meta-v1.json.gz">/packages-meta-v1.json.gz</a>, <a href="/packages-meta-ext-v1.json.gz">/packages-meta-ext-v1.json.gz</a>
        </li>
      </ul>
    </PublicLayout>
  );
}
