import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { safeStorage } from 'electron';
import type { SafeStoragePort, SecretFilePort } from '../services/sessionStore.service.ts';

export function safeStoragePort(): SafeStoragePort {
  return {
    isAsyncEncryptionAvailable: () => safeStorage.isAsyncEncryptionAvailable(),
    encryptStringAsync: (text) => safeStorage.encryptStringAsync(text),
    decryptStringAsync: (data) => safeStorage.decryptStringAsync(data),
    selectedStorageBackend: () =>
      process.platform === 'linux' ? safeStorage.getSelectedStorageBackend() : null,
  };
}

/**
 * One file in the user's data folder, readable and writable by the user only (0600 where the OS has modes),
 * replaced atomically so that a crash mid-write leaves the old content rather than half a file.
 */
export function secretFile(file: string): SecretFilePort {
  return {
    async read() {
      try {
        return await readFile(file);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw error;
      }
    },
    async write(data) {
      await mkdir(path.dirname(file), { recursive: true });
      const temporary = `${file}.${randomUUID()}.tmp`;
      try {
        await writeFile(temporary, data, { mode: 0o600 });
        await rename(temporary, file);
      } finally {
        await rm(temporary, { force: true });
      }
    },
    remove: () => rm(file, { force: true }),
  };
}
