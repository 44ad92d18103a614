/** The permissions an API key can carry (R18). */
export const ROLES = [
  'events:write',
  'journal:read',
  'journal:write',
  'templates:read',
  'templates:write',
  'settings:admin',
] as const;

export type Role = (typeof ROLES)[number];

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}
