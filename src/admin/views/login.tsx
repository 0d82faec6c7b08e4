import { AdminLayout } from './layout.js';

export function LoginPage(props: {
  loginToken: string;
  next: string;
  error?: string | undefined;
  name?: string | undefined;
  notice?: string | undefined;
}) {
  return (
    <AdminLayout title="Sign in" principal={null} section="none" notice={props.notice}>
      <div class="narrow">
        <h1>Sign in</h1>
        {props.error ? (
          <p class="error" role="alert">
            {props.error}
          </p>
        ) : null}
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
      </div>
    </AdminLayout>
  );
}
