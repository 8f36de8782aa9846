/** REST: accounts and the user directory (the spec's tables reference users; a minimal real API). */
import { z } from 'zod';
import { Text, Uuid } from '../primitives.ts';

export const UserDto = z.object({ id: Uuid, name: z.string(), email: z.string() });
export type UserDto = z.infer<typeof UserDto>;

export const RegisterRequest = z.object({
  email: z.email().max(254),
  password: Text.min(8).max(256),
  name: Text.trim().min(1).max(100),
});
export type RegisterRequest = z.infer<typeof RegisterRequest>;

// The password is only hashed, never stored or queried: it accepts whatever registration ever accepted.
export const LoginRequest = z.object({ email: z.email().max(254), password: z.string().min(1).max(256) });
export type LoginRequest = z.infer<typeof LoginRequest>;

/** POST /api/auth/register (201) and POST /api/auth/login (200). */
export const AuthResponse = z.object({ token: z.string(), user: UserDto });
export type AuthResponse = z.infer<typeof AuthResponse>;

/** GET /api/users/me */
export const MeResponse = z.object({ user: UserDto });
export type MeResponse = z.infer<typeof MeResponse>;

/** GET /api/users?query=&limit= : everyone but me, by name or email. */
export const ListUsersQuery = z.object({
  query: Text.max(100).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
});
export const ListUsersResponse = z.object({ users: z.array(UserDto) });
export type ListUsersResponse = z.infer<typeof ListUsersResponse>;
