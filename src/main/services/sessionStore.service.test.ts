import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Logger } from '../log.ts';
import { SessionStore, type SafeStoragePort, type SecretFilePort } from './sessionStore.service.ts';

const log: Logger = { info: () => {}, warn: () => {}, error: () => {} };
const SESSION = { serverUrl: 'https://calls.example.com', token: 'eyJhbGciOiJIUzI1NiJ9.c2VjcmV0.sig' };

/**
 * A stand-in for the OS secret store behind safeStorage: AES-GCM under a key only this "OS account" has,
 * so what lands in the file is real ciphertext. `backend` is what Linux reports ('basic_text': no keyring).
 */
function osKeyring(options: { available?: boolean; backend?: string | null; key?: Buffer } = {}) {
  const key = options.key ?? randomBytes(32);
  const state = { available: options.available ?? true, backend: options.backend ?? null, rotate: false };
  const port: SafeStoragePort = {
    isAsyncEncryptionAvailable: async () => state.available,
    encryptStringAsync: async (text) => {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([cipher.update(text, 'utf8'), cipher.final()]);
      return Buffer.concat([iv, cipher.getAuthTag(), body]);
    },
    decryptStringAsync: async (data) => {
      const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, 12));
      decipher.setAuthTag(data.subarray(12, 28));
      const result = Buffer.concat([decipher.update(data.subarray(28)), decipher.final()]).toString('utf8');
      return { result, shouldReEncrypt: state.rotate };
    },
    selectedStorageBackend: () => state.backend,
  };
  return { port, state, key };
}

function disk() {
  const files = new Map<string, Buffer>();
  let writes = 0;
  const file: SecretFilePort = {
    read: async () => files.get('session') ?? null,
    write: async (data) => {
      writes++;
      files.set('session', Buffer.from(data));
    },
    remove: async () => void files.delete('session'),
  };
  return { file, files, writes: () => writes };
}

describe('session store', () => {
  it('keeps the session across restarts, encrypted: the token never reaches the disk in clear', async () => {
    const keyring = osKeyring();
    const { file, files } = disk();
    expect(await new SessionStore({ safeStorage: keyring.port, file, log }).save(SESSION)).toEqual({
      persisted: true,
    });
    const onDisk = files.get('session')!;
    expect(onDisk.toString('latin1')).not.toContain(SESSION.token);
    expect(onDisk.toString('latin1')).not.toContain('calls.example.com');

    const afterRestart = new SessionStore({ safeStorage: keyring.port, file, log });
    expect(await afterRestart.load(SESSION.serverUrl)).toEqual(SESSION);
    // Another OS account (another key) cannot read it.
    const stranger = new SessionStore({ safeStorage: osKeyring().port, file, log });
    expect(await stranger.load(SESSION.serverUrl)).toBeNull();
  });

  it('on Linux without a keyring keeps it in memory for this run only, and says why', async () => {
    const keyring = osKeyring({ backend: 'basic_text' });
    const { file, files } = disk();
    const store = new SessionStore({ safeStorage: keyring.port, file, log });
    const saved = await store.save(SESSION);
    expect(saved).toMatchObject({ persisted: false, reason: expect.stringMatching(/keyring/i) });
    expect(files.size).toBe(0);
    expect(await store.load(SESSION.serverUrl)).toEqual(SESSION);
    expect(
      await new SessionStore({ safeStorage: keyring.port, file, log }).load(SESSION.serverUrl),
    ).toBeNull();
  });

  it('refuses to persist when the OS store is unavailable (macOS Keychain, Linux Secret Service)', async () => {
    expect(
      await new SessionStore({
        safeStorage: osKeyring({ available: false }).port,
        file: disk().file,
        log,
      }).save(SESSION),
    ).toMatchObject({
      persisted: false,
      reason: expect.stringMatching(/keychain/i),
    });
    expect(
      await new SessionStore({
        safeStorage: osKeyring({ available: false, backend: 'gnome_libsecret' }).port,
        file: disk().file,
        log,
      }).save(SESSION),
    ).toMatchObject({ persisted: false, reason: expect.stringMatching(/keyring/i) });
  });

  it('drops a session that belongs to another server than the configured one', async () => {
    const keyring = osKeyring();
    const { file, files } = disk();
    await new SessionStore({ safeStorage: keyring.port, file, log }).save(SESSION);
    const store = new SessionStore({ safeStorage: keyring.port, file, log });
    expect(await store.load('https://other.example.com')).toBeNull();
    expect(files.size).toBe(0);
    expect(await store.load(SESSION.serverUrl)).toBeNull();
  });

  it('forgets an unreadable or tampered file instead of failing', async () => {
    const keyring = osKeyring();
    const { file, files } = disk();
    await new SessionStore({ safeStorage: keyring.port, file, log }).save(SESSION);
    const tampered = Buffer.from(files.get('session')!);
    tampered[tampered.length - 1]! ^= 0xff;
    files.set('session', tampered);
    expect(
      await new SessionStore({ safeStorage: keyring.port, file, log }).load(SESSION.serverUrl),
    ).toBeNull();
    expect(files.size).toBe(0);

    // Decrypts, but is not a session (e.g. written by something else).
    files.set('session', await keyring.port.encryptStringAsync('{"version":2}'));
    expect(
      await new SessionStore({ safeStorage: keyring.port, file, log }).load(SESSION.serverUrl),
    ).toBeNull();
  });

  it('keeps the file for a later run when this run has no keyring, and re-encrypts after a key rotation', async () => {
    const keyring = osKeyring();
    const { file, files, writes } = disk();
    await new SessionStore({ safeStorage: keyring.port, file, log }).save(SESSION);

    keyring.state.available = false;
    expect(
      await new SessionStore({ safeStorage: keyring.port, file, log }).load(SESSION.serverUrl),
    ).toBeNull();
    expect(files.size).toBe(1);

    keyring.state.available = true;
    keyring.state.rotate = true;
    const before = writes();
    expect(await new SessionStore({ safeStorage: keyring.port, file, log }).load(SESSION.serverUrl)).toEqual(
      SESSION,
    );
    expect(writes()).toBe(before + 1);
  });

  it('signing out removes it from memory and disk', async () => {
    const keyring = osKeyring();
    const { file, files } = disk();
    const store = new SessionStore({ safeStorage: keyring.port, file, log });
    await store.save(SESSION);
    await store.clear();
    expect(files.size).toBe(0);
    expect(await store.load(SESSION.serverUrl)).toBeNull();
  });
});
