import { useState } from 'react';
import type { FormEvent } from 'react';
import { z } from 'zod';
import { LoginRequest, RegisterRequest } from '../../../shared/protocol.ts';
import { useAppStore, useRuntime } from '../../app/context.ts';
import type { AuthForm } from '../../app/runtime.ts';

type Mode = 'login' | 'register';

const ServerUrl = z.url({
  protocol: /^https?$/,
  error: 'Enter the server address, like https://calls.example.com',
});

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

export function SignInScreen() {
  const runtime = useRuntime();
  const settings = useAppStore((s) => s.settings);
  const isDesktop = runtime.desktop.platform === 'electron';
  const [mode, setMode] = useState<Mode>('login');
  const [serverUrl, setServerUrl] = useState(() => runtime.serverUrl() ?? '');
  const [fields, setFields] = useState({ name: '', email: '', password: '' });
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const url = ServerUrl.safeParse(serverUrl.trim());
    if (!url.success) return setError(url.error.issues[0]?.message ?? 'Invalid server address');
    const form = validate(mode, fields);
    if (typeof form === 'string') return setError(form);
    setBusy(true);
    setError(null);
    const failure = await runtime.authenticate(form, url.data);
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
        {isDesktop && (
          <label className="field">
            <span>Server</span>
            <input
              type="url"
              value={serverUrl}
              onChange={(e) => setServerUrl(e.target.value)}
              readOnly={settings?.serverUrlLocked}
              placeholder="https://calls.example.com"
              autoComplete="url"
            />
            {settings?.serverUrlLocked && <small>Set by your organisation</small>}
          </label>
        )}
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
        {error && (
          <p className="form-error" role="alert">
            {error}
          </p>
        )}
        <button className="btn btn-primary btn-block" type="submit" disabled={busy}>
          {busy ? 'Please wait…' : mode === 'login' ? 'Sign in' : 'Create account'}
        </button>
      </form>
    </main>
  );
}
