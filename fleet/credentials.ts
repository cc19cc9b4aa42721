/**
 * Device secrets: random, shown once at provisioning, stored only as hashes — scrypt for the
 * embedded broker, and Mosquitto's PBKDF2-SHA512 (`$7$`) form for an exported password file.
 */
import crypto from 'node:crypto';

const SCRYPT = { N: 16384, r: 8, p: 1, keylen: 32 };

export function newSecret(): string {
  return crypto.randomBytes(24).toString('base64url');
}

export function hashScrypt(secret: string): string {
  const salt = crypto.randomBytes(16);
  const key = crypto.scryptSync(secret, salt, SCRYPT.keylen, SCRYPT);
  return `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

/** Async, so a reconnect storm does not block the event loop for scrypt's ~50 ms per device. */
export function verifyScrypt(secret: string, stored: string): Promise<boolean> {
  const [kind, N, r, p, salt, key] = stored.split('$');
  if (kind !== 'scrypt' || !salt || !key) return Promise.resolve(false);
  const expected = Buffer.from(key, 'base64');
  return new Promise((resolve) => {
    crypto.scrypt(secret, Buffer.from(salt, 'base64'), expected.length, { N: +N!, r: +r!, p: +p! }, (err, actual) => {
      resolve(!err && crypto.timingSafeEqual(actual, expected));
    });
  });
}

/** Mosquitto 2's password-file hash: `$7$<iterations>$<salt b64>$<PBKDF2-SHA512 b64>` (mosquitto_passwd). */
export function hashMosquitto(secret: string, iterations = 101): string {
  const salt = crypto.randomBytes(12);
  const key = crypto.pbkdf2Sync(secret, salt, iterations, 64, 'sha512');
  return `$7$${iterations}$${salt.toString('base64')}$${key.toString('base64')}`;
}

export function newToken(): string {
  return crypto.randomBytes(32).toString('base64url');
}
