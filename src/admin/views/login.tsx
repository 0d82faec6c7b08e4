import { AdminLayout } from './layout.js';

export function LoginPage(props: {
  loginToken: string;
  next: string;
  error?: string | undefined;
  name?: string | undefined;
  notice?: string | undefined;
  /** "Sign in with <provider>" when single sign-on is set up. */
  sso?: { providerName: string } | null | undefined;
  /** False when AURGATE_LOCAL_SIGN_IN=false: no password form. */
  localSignIn?: boolean | undefined;
}) {
  const local = props.localSignIn ?? true;
  return (
    <AdminLayout title="Sign in" principal={null} section="none" notice={props.notice}>
      <div class="narrow">
        <h1>Sign in</h1>
        {props.error ? (
          <p class="error" role="alert">
            {props.error}
          </p>
        ) : null}
        {props.sso ? (
          <p>
            {/* A link, not a form: the admin's CSP allows forms to post only to aurgate itself. */}
            <a class="button" href={`/admin/sso/start?next=${encodeURIComponent(props.next)}`}>
              Sign in with {props.sso.providerName}
            </a>
          </p>
        ) : null}
        {local ? (
          <form method="post" action="/admin/login" class="stack">
            <input type="hidden" name="_login" value={props.loginToken} />
            <input type="hidden" name="next" value={props.next} />
            <label>
              User name
              <input name="name" autocomplete="username" required autofocus value={props.name ?? ''} />
            </label>
            <label>
              Password
              <input name="password" type="password" autocomplete="current-password" required />
            </label>
            <button type="submit">Sign in</button>
          </form>
        ) : null}
      </div>
    </AdminLayout>
  );
}
