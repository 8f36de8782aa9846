/**
 * Where the desktop app keeps the user's session (server + token) so that they stay signed in across
 * restarts: in the main process, encrypted at rest with the OS's secret store through Electron's
 * safeStorage (DPAPI on Windows, the Keychain on macOS, the Secret Service or KWallet on Linux). The
 * renderer asks for it over IPC and never writes it anywhere itself.
 *
 * Where no real encryption is available (Linux without a keyring, where Chromium falls back to a fixed,
 * public key: "basic_text"), the token is never written to disk: it is kept in memory for this run only and
 * the renderer tells the user that they will have to sign in again next time, and why.
 */
import { z } from 'zod';
import { StoredSession, type SessionPersistence } from '../../shared/desktopApi.ts';
import { errorMessage, type Logger } from '../log.ts';

/** The parts of Electron's safeStorage this service uses. */
export interface SafeStoragePort {
  isAsyncEncryptionAvailable(): Promise<boolean>;
  encryptStringAsync(plainText: string): Promise<Buffer>;
  decryptStringAsync(encrypted: Buffer): Promise<{ result: string; shouldReEncrypt: boolean }>;
  /** Linux: the secret store Chromium picked ('basic_text' is none); null on other OSes. */
  selectedStorageBackend(): string | null;
}

/** The one file the encrypted session lives in; `write` replaces it atomically, readable by the user only. */
export interface SecretFilePort {
  /** Null when there is no file. */
  read(): Promise<Buffer | null>;
  write(data: Buffer): Promise<void>;
  remove(): Promise<void>;
}

export type EncryptionVerdict = { available: true } | { available: false; reason: string };

const NO_KEYRING =
  'No keyring (such as GNOME Keyring or KWallet) is running, so CallBridge cannot store your sign-in securely.';

/** Whether safeStorage really encrypts here; on Linux its 'basic_text' fallback is obfuscation only. */
export function encryptionVerdict(available: boolean, linuxBackend: string | null): EncryptionVerdict {
  if (linuxBackend === 'basic_text' || linuxBackend === 'unknown')
    return { available: false, reason: NO_KEYRING };
  if (!available) {
    return {
      available: false,
      reason:
        linuxBackend === null
          ? 'The system keychain is not available, so CallBridge cannot store your sign-in securely.'
          : NO_KEYRING,
    };
  }
  return { available: true };
}

/** The file's content once decrypted: versioned, so that a later format can be told apart. */
const SessionFile = z.object({ version: z.literal(1), session: StoredSession });

export interface SessionStoreDeps {
  safeStorage: SafeStoragePort;
  file: SecretFilePort;
  log: Logger;
}

export class SessionStore {
  readonly #deps: SessionStoreDeps;
  /** This run's session, also when it could not be written to disk. */
  #current: StoredSession | null = null;
  #loaded = false;

  constructor(deps: SessionStoreDeps) {
    this.#deps = deps;
  }

  async encryption(): Promise<EncryptionVerdict> {
    const { safeStorage } = this.#deps;
    let available = false;
    try {
      available = await safeStorage.isAsyncEncryptionAvailable();
    } catch (error) {
      this.#deps.log.warn('session store: encryption check failed', { error: errorMessage(error) });
    }
    return encryptionVerdict(available, safeStorage.selectedStorageBackend());
  }

  /** The saved session for `serverUrl`; a session for another server is dropped (its token is for that one). */
  async load(serverUrl: string | null): Promise<StoredSession | null> {
    if (!this.#loaded) {
      this.#loaded = true;
      this.#current ??= await this.#readFile();
    }
    if (this.#current && this.#current.serverUrl !== serverUrl) await this.clear();
    return this.#current;
  }

  async save(session: StoredSession): Promise<SessionPersistence> {
    this.#current = session;
    this.#loaded = true;
    const encryption = await this.encryption();
    if (!encryption.available) {
      // An encrypted file from a run that had a keyring must not outlive the sign-in it no longer matches.
      await this.#removeFile();
      this.#deps.log.warn('session store: keeping the session in memory only', { reason: encryption.reason });
      return { persisted: false, reason: encryption.reason };
    }
    try {
      await this.#writeFile(session);
      return { persisted: true };
    } catch (error) {
      this.#deps.log.error('session store: could not save the session', { error: errorMessage(error) });
      return { persisted: false, reason: 'CallBridge could not save your sign-in on this computer.' };
    }
  }

  async clear(): Promise<void> {
    this.#current = null;
    this.#loaded = true;
    await this.#removeFile();
  }

  async #readFile(): Promise<StoredSession | null> {
    const { file, safeStorage, log } = this.#deps;
    let encrypted: Buffer | null;
    try {
      encrypted = await file.read();
    } catch (error) {
      log.warn('session store: cannot read the saved session', { error: errorMessage(error) });
      return null;
    }
    if (!encrypted) return null;
    // Without a keyring this run, the file (written when there was one) stays for a run that has it again.
    if (!(await this.encryption()).available) return null;
    try {
      const { result, shouldReEncrypt } = await safeStorage.decryptStringAsync(encrypted);
      const parsed = SessionFile.safeParse(JSON.parse(result));
      if (!parsed.success) throw new Error('not a saved session');
      // The OS rotated the key: write it again under the new one.
      if (shouldReEncrypt) await this.#writeFile(parsed.data.session);
      return parsed.data.session;
    } catch (error) {
      log.warn('session store: the saved session is unreadable; signing in again', {
        error: errorMessage(error),
      });
      await this.#removeFile();
      return null;
    }
  }

  async #writeFile(session: StoredSession): Promise<void> {
    const plain = JSON.stringify({ version: 1, session } satisfies z.input<typeof SessionFile>);
    await this.#deps.file.write(await this.#deps.safeStorage.encryptStringAsync(plain));
  }

  async #removeFile(): Promise<void> {
    try {
      await this.#deps.file.remove();
    } catch (error) {
      this.#deps.log.warn('session store: could not remove the saved session', {
        error: errorMessage(error),
      });
    }
  }
}
