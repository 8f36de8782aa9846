import { useState } from 'react';
import type { FormEvent } from 'react';
import { LoginRequest, RegisterRequest } from '../../../shared/protocol.ts';
import { ServerUrl } from '../../../shared/serverUrl.ts';
import { useAppStore, useRuntime } from '../../app/context.ts';
import type { AuthForm } from '../../app/runtime.ts';
import { policyUnreadableMessage } from '../../ui/policyNotice.ts';

type Mode = 'login' | 'register';

/** The first problem with the form, phrased for a person, before anything goes over the network. */
function validate(mode: Mode, fields: { name: string; email: string; password: string }): AuthForm | string {
  if (mode === 'login') {
    const parsed = LoginRequest.safeParse({ email: fields.email.trim(), password: fields.password });
    if (!parsed.success)
      return parsed.error.issues[0]?.path[0] === 'email' ? 'Enter a valid email' : 'Enter your password';
    return { mode, body: parsed.data };
  }
  const parsed = RegisterRequest.safeParse({ ...fields, email: fields.email.trim() });
  if (parsed.success) return { mode, body: parsed.data };
  const field = parsed.error.issues[0]?.path[0];
  if (field === 'name') return 'Enter your name';
  if (field === 'email') return 'Enter a valid email';
  return 'Choose a password of at least 8 characters';
}

/**
 * Signing in. On the desktop the server comes first: the page may connect only to the configured server
 * (its CSP says so), so a new server is saved before anything is sent to it, and the app reloads under the
 * new server's CSP before the user types a password.
 */
export function SignInScreen() {
  const runtime = useRuntime();
  const settings = useAppStore((s) => s.settings);
  const isDesktop = runtime.desktop.platform === 'electron';
  const configuredServer = runtime.serverUrl();
  const serverLocked = settings?.serverUrlLocked === true;
  const [mode, setMode] = useState<Mode>('login');
  const [choosingServer, setChoosingServer] = useState(isDesktop && !configuredServer && !serverLocked);
  const [serverUrl, setServerUrl] = useState(configuredServer ?? '');
  const [fields, setFields] = useState({ name: '', email: '', password: '' });
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const policyProblem = settings?.policy?.status === 'unreadable' ? policyUnreadableMessage : null;

  async function chooseServer() {
    const url = ServerUrl.safeParse(serverUrl);
    if (!url.success) return setError(url.error.issues[0]?.message ?? 'Invalid server address');
    setError(null);
    if (url.data === configuredServer) return setChoosingServer(false);
    setBusy(true);
    // Saving it reloads the app (main does it) under a CSP that allows this server.
    const failure = await runtime.switchServer(url.data);
    setBusy(false);
    if (failure) setError(failure);
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (choosingServer) return chooseServer();
    const form = validate(mode, fields);
    if (typeof form === 'string') return setError(form);
    setBusy(true);
    setError(null);
    const failure = await runtime.authenticate(form);
    setBusy(false);
    if (failure) setError(failure);
  }

  const set = (key: keyof typeof fields) => (e: { target: { value: string } }) =>
    setFields((f) => ({ ...f, [key]: e.target.value }));

  return (
    <main className="signin">
      <form className="signin-card" onSubmit={submit} noValidate data-testid="sign-in">
        <div className="brand brand-lg">
          <span className="brand-mark" aria-hidden="true" />
          CallBridge
        </div>
        <p className="signin-tagline">Voice and video calls on your own server.</p>
        {isDesktop && (
          <label className="field">
            <span>Server</span>
            <div className="inline">
              <input
                type="url"
                value={serverUrl}
                onChange={(e) => setServerUrl(e.target.value)}
                readOnly={!choosingServer}
                placeholder="https://calls.example.com"
                autoComplete="url"
                autoFocus={choosingServer}
              />
              {!choosingServer && !serverLocked && (
                <button
                  className="btn btn-ghost"
                  type="button"
                  onClick={() => {
                    setChoosingServer(true);
                    setError(null);
                  }}
                >
                  Change
                </button>
              )}
            </div>
            {serverLocked && !policyProblem && <small>Set by your organisation</small>}
            {choosingServer && (
              <small>Your server’s address: https://, or http:// for one on this computer.</small>
            )}
          </label>
        )}
        {policyProblem && (
          <p className="form-error" role="alert">
            {policyProblem}
          </p>
        )}
        {!choosingServer && (
          <>
            <div className="segmented" role="tablist">
              {(['login', 'register'] as const).map((m) => (
                <button
                  key={m}
                  type="button"
                  role="tab"
                  aria-selected={mode === m}
                  className={mode === m ? 'active' : ''}
                  onClick={() => {
                    setMode(m);
                    setError(null);
                  }}
                >
                  {m === 'login' ? 'Sign in' : 'Create account'}
                </button>
              ))}
            </div>
            {mode === 'register' && (
              <label className="field">
                <span>Name</span>
                <input
                  value={fields.name}
                  onChange={set('name')}
                  autoComplete="name"
                  placeholder="Ada Lovelace"
                />
              </label>
            )}
            <label className="field">
              <span>Email</span>
              <input
                type="email"
                value={fields.email}
                onChange={set('email')}
                autoComplete="email"
                placeholder="you@example.com"
              />
            </label>
            <label className="field">
              <span>Password</span>
              <input
                type="password"
                value={fields.password}
                onChange={set('password')}
                autoComplete={mode === 'login' ? 'current-password' : 'new-password'}
              />
            </label>
          </>
        )}
        {error && (
          <p className="form-error" role="alert">
            {error}
          </p>
        )}
        <button
          className="btn btn-primary btn-block"
          type="submit"
          disabled={busy || (isDesktop && !choosingServer && !configuredServer)}
        >
          {busy
            ? 'Please wait…'
            : choosingServer
              ? 'Continue'
              : mode === 'login'
                ? 'Sign in'
                : 'Create account'}
        </button>
      </form>
    </main>
  );
}
