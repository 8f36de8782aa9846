/**
 * Time-limited TURN credentials for coturn's `use-auth-secret` mode (the "TURN REST API",
 * draft-uberti-behave-turn-rest-00): the backend and coturn share one secret, so coturn can check a
 * credential without a database lookup and every credential stops working by itself at its expiry.
 */
import { createHmac } from 'node:crypto';
import type { IceServerDto, TurnCredentialsResponse } from '../../../src/shared/protocol/index.ts';

export interface TurnConfig {
  host: string;
  port: number;
  tlsPort: number | null;
  secret: string;
  ttlSeconds: number;
  stunUrls: string[];
}

export interface IssuedTurnCredentials {
  response: TurnCredentialsResponse;
  /** What the turn_credentials table records; null when no TURN server is configured. */
  record: { username: string; credential: string; expiresAt: Date } | null;
}

/**
 * coturn derives the password as base64(HMAC-SHA1(static-auth-secret, username)) and reads the expiry from
 * the digits before the first ':' of the username (coturn's default `rest-api-separator`).
 */
export function turnRestCredential(secret: string, username: string): string {
  return createHmac('sha1', secret).update(username).digest('base64');
}

export function turnServerUrls(config: Pick<TurnConfig, 'host' | 'port' | 'tlsPort'>): string[] {
  const hostPort = `${formatHost(config.host)}:${config.port}`;
  const urls = [`turn:${hostPort}?transport=udp`, `turn:${hostPort}?transport=tcp`];
  if (config.tlsPort !== null) urls.push(`turns:${formatHost(config.host)}:${config.tlsPort}?transport=tcp`);
  return urls;
}

export function issueTurnCredentials(
  config: TurnConfig | null,
  stunUrls: string[],
  userId: string,
  now: Date,
): IssuedTurnCredentials {
  if (config === null) {
    return {
      response: {
        credentials: null,
        expiresAt: null,
        iceServers: stunOnly(stunUrls),
        turnConfigured: false,
        ttlSeconds: null,
      },
      record: null,
    };
  }

  const expiresAtSeconds = Math.floor(now.getTime() / 1000) + config.ttlSeconds;
  const username = `${expiresAtSeconds}:${userId}`;
  const credential = turnRestCredential(config.secret, username);
  const expiresAt = new Date(expiresAtSeconds * 1000);
  const urls = turnServerUrls(config);
  // coturn answers STUN Binding requests on its TURN port, so it doubles as the STUN server when none is set.
  const configStun =
    config.stunUrls.length > 0 ? config.stunUrls : [`stun:${formatHost(config.host)}:${config.port}`];

  return {
    response: {
      credentials: { urls, username, credential },
      expiresAt: expiresAt.toISOString(),
      iceServers: [...stunOnly(configStun), { urls, username, credential }],
      turnConfigured: true,
      ttlSeconds: config.ttlSeconds,
    },
    record: { username, credential, expiresAt },
  };
}

function stunOnly(stunUrls: string[]): IceServerDto[] {
  return stunUrls.length > 0 ? [{ urls: [...stunUrls] }] : [];
}

/** An IPv6 literal needs brackets inside a URI (RFC 7064/7065 follow RFC 3986 host syntax). */
function formatHost(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}
