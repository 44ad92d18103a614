/**
 * The people of a company (R20), managed by an administrator: created with a
 * password (kept only as an argon2id hash), given roles, linked to a manager,
 * deactivated. Every change goes into the configuration history, never the password.
 */
import type { Db } from '../db/client';
import { createApiKeyRepository } from '../db/repositories/api-keys';
import { createConfigChangeRepository } from '../db/repositories/config-changes';
import { createManagerRepository } from '../db/repositories/managers';
import { createSessionRepository } from '../db/repositories/sessions';
import { createUserRepository, hashPassword, type UserChanges, type UserRecord } from '../db/repositories/users';
import { ConflictError, NotFoundError, UnprocessableError } from '../domain/errors';
import type { Role } from '../domain/roles';
import { normalizeLogin } from '../domain/sessions';

/** The role that manages users and keys: a company keeps at least one active user or key with it. */
const ADMIN_ROLE: Role = 'settings:admin';

export interface NewUserInput {
  login: string;
  name: string;
  password: string;
  roles: Role[];
  managerId?: string | null | undefined;
  active?: boolean | undefined;
}

export interface UserPatch {
  name?: string | undefined;
  roles?: Role[] | undefined;
  active?: boolean | undefined;
  password?: string | undefined;
  managerId?: string | null | undefined;
}

/** Who makes the change: the history's label, and the person and session when it is a signed-in user. */
export interface ChangeActor {
  label: string;
  userId?: number | undefined;
  sessionId?: string | undefined;
}

/** What the history keeps of a user: everything but the password. */
const historyOf = (u: UserRecord) => ({ login: u.login, name: u.name, roles: u.roles, active: u.active, managerId: u.managerId });

export function createUsersService(db: Db) {
  const checkManager = async (companyId: string, managerId: string | null | undefined) => {
    if (managerId && !(await createManagerRepository(db).exists(companyId, managerId))) {
      throw new UnprocessableError('INVALID_REFERENCE', `no manager "${managerId}" exists`, [
        { path: '/body/managerId', message: `no manager "${managerId}" exists` },
      ]);
    }
  };

  return {
    list: (companyId: string) => createUserRepository(db).list(companyId),

    /** @throws ConflictError when the company has the login; UnprocessableError for an unknown manager. */
    async create(companyId: string, input: NewUserInput, actor: ChangeActor): Promise<UserRecord> {
      await checkManager(companyId, input.managerId);
      const passwordHash = await hashPassword(input.password);
      return db.transaction(async (tx) => {
        const login = normalizeLogin(input.login);
        const created = await createUserRepository(tx).create(companyId, {
          login,
          name: input.name,
          passwordHash,
          roles: input.roles,
          active: input.active ?? true,
          managerId: input.managerId ?? null,
        });
        if (created === 'login_taken') throw new ConflictError(`the login "${login}" is taken`);
        await createConfigChangeRepository(tx).record({
          companyId,
          actor: actor.label,
          entity: 'user',
          entityId: String(created.id),
          action: 'create',
          after: historyOf(created),
        });
        return created;
      });
    },

    /**
     * Changes what `patch` names. A deactivated user or a new password ends
     * the user's sessions (but the one making the change). Nobody can
     * deactivate themselves or drop their own `settings:admin`, and the
     * company's last active user or key with `settings:admin` keeps it.
     */
    async update(companyId: string, id: number, patch: UserPatch, actor: ChangeActor): Promise<UserRecord> {
      if (patch.managerId !== undefined) await checkManager(companyId, patch.managerId);
      const passwordHash = patch.password === undefined ? undefined : await hashPassword(patch.password);
      return db.transaction(async (tx) => {
        const users = createUserRepository(tx);
        const all = await users.lockCompany(companyId);
        const before = all.find((u) => u.id === id);
        if (!before) throw new NotFoundError(`user ${id}`);
        const isAdmin = (u: { active: boolean; roles: readonly string[] }) => u.active && u.roles.includes(ADMIN_ROLE);
        const after = { active: patch.active ?? before.active, roles: patch.roles ?? before.roles };
        if (actor.userId === id && before.active && !after.active) throw new ConflictError('you cannot deactivate yourself');
        if (actor.userId === id && isAdmin(before) && !isAdmin(after)) throw new ConflictError(`you cannot take ${ADMIN_ROLE} from yourself`);
        if (isAdmin(before) && !isAdmin(after)) {
          const otherUsers = all.some((u) => u.id !== id && isAdmin(u));
          const keys = (await createApiKeyRepository(tx).list(companyId)).some((k) => k.revokedAt === null && k.roles.includes(ADMIN_ROLE));
          if (!otherUsers && !keys) {
            throw new ConflictError(`user ${id} is the last active user or key with ${ADMIN_ROLE}; give the role to someone else first`);
          }
        }
        const changes: UserChanges = {
          ...(patch.name !== undefined ? { name: patch.name } : {}),
          ...(patch.roles !== undefined ? { roles: patch.roles } : {}),
          ...(patch.active !== undefined ? { active: patch.active } : {}),
          ...(patch.managerId !== undefined ? { managerId: patch.managerId } : {}),
          ...(passwordHash !== undefined ? { passwordHash } : {}),
        };
        const updated = (await users.update(companyId, id, changes))!;
        if (passwordHash !== undefined || (before.active && !updated.active)) {
          await createSessionRepository(tx).deleteForUser(id, actor.userId === id ? actor.sessionId : undefined);
        }
        await createConfigChangeRepository(tx).record({
          companyId,
          actor: actor.label,
          entity: 'user',
          entityId: String(id),
          action: 'update',
          before: historyOf(before),
          after: { ...historyOf(updated), ...(passwordHash !== undefined ? { passwordChanged: true } : {}) },
        });
        return updated;
      });
    },
  };
}
